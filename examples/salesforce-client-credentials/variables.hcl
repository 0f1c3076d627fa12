variable "region" {
  type        = string
  default     = "us-east-1"
  description = "The AWS region to create everything in."
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

variable "instance_url" {
  type        = string
  default     = "https://example.my.salesforce.com"
  description = "Your Salesforce org's My Domain URL (the client credentials flow needs it)."
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
