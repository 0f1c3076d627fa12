variable "environment" {
  type        = string
  description = "The environment's name: dev, staging, prod. It is part of every name."
}

variable "name_prefix" {
  type        = string
  description = "Starts every name."
}

variable "region" {
  type = string
}

variable "account_id" {
  type = string
}

variable "instance_url" {
  type        = string
  description = "The environment's Salesforce org."
}

variable "is_sandbox" {
  type    = bool
  default = false
}

variable "client_id" {
  type      = string
  sensitive = true
}

variable "client_secret" {
  type      = string
  sensitive = true
}

variable "tags" {
  type    = map(string)
  default = {}
}
