variable "instance_url" {
  type        = string
  default     = "https://example.service-now.com"
  description = "Your ServiceNow instance's URL."
}

variable "client_id" {
  type        = string
  sensitive   = true
  description = "The client id of the OAuth application registered in ServiceNow (System OAuth > Application Registry)."
}

variable "client_secret" {
  type        = string
  sensitive   = true
  description = "That OAuth application's client secret."
}

variable "access_token" {
  type        = string
  sensitive   = true
  description = "An access token issued to that application."
}

variable "refresh_token" {
  type        = string
  sensitive   = true
  description = "The refresh token issued with it, so AppFlow can renew the access token."
}

variable "auth_code" {
  type        = string
  sensitive   = true
  default     = null
  description = "An authorization code, when AppFlow should exchange it for tokens instead (optional)."
}

variable "redirect_uri" {
  type        = string
  default     = "https://us-east-1.console.aws.amazon.com/appflow/oauth" # AppFlow's, for us-east-1
  description = "The redirect URI registered with the OAuth application in ServiceNow."
}
