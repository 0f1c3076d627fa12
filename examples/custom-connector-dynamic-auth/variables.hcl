variable "connector_label" {
  type        = string
  default     = "acme-crm-connector"
  description = "The label under which the custom connector is registered in this account (RegisterConnector)."
}

variable "connections" {
  type = map(object({ instance_url = string, authentication_type = string }))
  default = {
    reporting = { instance_url = "https://reporting.acme-crm.example.com", authentication_type = "BASIC" }
    sync      = { instance_url = "https://sync.acme-crm.example.com", authentication_type = "APIKEY" }
    partner   = { instance_url = "https://partner.acme-crm.example.com", authentication_type = "OAUTH2" }
  }
  description = "One connector profile per entry: the SaaS tenant it reaches and how it authenticates."

  validation {
    condition = length([
      for c in values(var.connections) : c
      if !contains(["BASIC", "APIKEY", "OAUTH2"], c.authentication_type)
    ]) == 0
    error_message = "authentication_type is BASIC, APIKEY or OAUTH2."
  }
}

variable "secrets" {
  type        = map(map(string))
  sensitive   = true
  description = "Per connection, by the same key: username and password (BASIC), api_key and api_secret_key (APIKEY), or client_id and client_secret (OAUTH2)."
}
