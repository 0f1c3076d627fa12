variable "connector_label" {
  type        = string
  default     = "acme-crm-connector"
  description = "The label under which the custom connector is registered in this account (RegisterConnector)."
}

variable "instance_url" {
  type        = string
  default     = "https://api.acme-crm.example.com"
  description = "The API endpoint of the SaaS tenant the connector talks to."
}

variable "oauth2_client_id" {
  type        = string
  sensitive   = true
  description = "The client id of the OAuth application registered with the SaaS."
}

variable "oauth2_client_secret" {
  type        = string
  sensitive   = true
  description = "That OAuth application's client secret."
}

variable "oauth2_access_token" {
  type        = string
  sensitive   = true
  default     = null
  description = "An access token to start with (optional: with CLIENT_CREDENTIALS AppFlow fetches its own)."
}

variable "oauth2_refresh_token" {
  type        = string
  sensitive   = true
  default     = null
  description = "A refresh token (optional)."
}

variable "api_key" {
  type        = string
  sensitive   = true
  description = "The API key of the second, API-key profile."
}

variable "api_secret_key" {
  type        = string
  sensitive   = true
  description = "The secret that goes with the API key."
}
