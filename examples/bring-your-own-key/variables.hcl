variable "region" {
  type        = string
  default     = "us-east-1"
  description = "The AWS region of the key, the secret and the profile."
}

variable "account_id" {
  type        = string
  default     = "123456789012" # the sandbox's account; set yours for real AWS
  description = "The AWS account that owns the key, the secret and the profile."

  validation {
    condition     = length(var.account_id) == 12
    error_message = "An AWS account id has 12 digits."
  }
}

# No default on purpose: the whole point of this example is a key that someone else made, so
# flowform must never guess which one. The sandbox stand-in lives in sandbox.auto.vars.hcl.
variable "kms_key_arn" {
  type        = string
  description = "The ARN of the existing customer-managed KMS key (arn:aws:kms:REGION:ACCOUNT:key/ID)."
}

variable "instance_url" {
  type        = string
  default     = "https://example.my.salesforce.com"
  description = "Your Salesforce org's URL."
}

variable "client_id" {
  type        = string
  sensitive   = true
  description = "The connected app's consumer key."
}

variable "client_secret" {
  type        = string
  sensitive   = true
  description = "The connected app's consumer secret."
}

variable "salesforce_jwt" {
  type        = string
  sensitive   = true
  description = "A JWT signed with the connected app's certificate (OAuth 2.0 JWT bearer flow)."
}
