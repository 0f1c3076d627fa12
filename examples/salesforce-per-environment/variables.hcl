variable "region" {
  type        = string
  default     = "us-east-1"
  description = "The AWS region of every environment's connection."
}

variable "account_id" {
  type        = string
  default     = "123456789012" # the sandbox's account; set yours for real AWS
  description = "The AWS account that owns the key and the profiles."
}

variable "prefix" {
  type        = string
  default     = "data-platform"
  description = "Starts every name, as the Terraform configuration's var.prefix did."
}

variable "environments" {
  type = map(object({
    instance_url = string
    is_sandbox   = bool
  }))
  description = "One Salesforce org per environment: its URL, and whether it is a Salesforce sandbox."
  default = {
    dev = {
      instance_url = "https://acme--dev.sandbox.my.salesforce.com"
      is_sandbox   = true
    }
    staging = {
      instance_url = "https://acme--staging.sandbox.my.salesforce.com"
      is_sandbox   = true
    }
    prod = {
      instance_url = "https://acme.my.salesforce.com"
      is_sandbox   = false
    }
  }
}

variable "salesforce_tokens" {
  type = map(object({
    access_token  = string
    refresh_token = string
  }))
  sensitive   = true
  description = "Per environment (the keys of environments), the OAuth tokens of its Salesforce org."
}
