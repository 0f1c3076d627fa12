variable "region" {
  type        = string
  default     = "us-east-1"
  description = "The AWS region of every environment's connection."
}

variable "account_id" {
  type        = string
  default     = "123456789012" # the sandbox's account; set yours for real AWS
  description = "The AWS account that owns the keys, secrets and profiles."
}

variable "name_prefix" {
  type        = string
  default     = "data-platform"
  description = "Starts every name."
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

variable "connected_apps" {
  type = map(object({
    client_id     = string
    client_secret = string
  }))
  sensitive   = true
  description = "Per environment (the keys of environments), the client id and secret of its Salesforce connected app."
}
