# Stand-in credentials so the example runs against the sandbox (`--sandbox`) as it is. For real
# AWS, delete this file and pass the real ones without writing them down, e.g.
#   export FLOWFORM_VAR_secrets='{ reporting = { username = "...", password = "..." }, ... }'
secrets = {
  reporting = { username = "appflow-reporting", password = "example-reporting-password" }
  sync      = { api_key = "example-sync-api-key", api_secret_key = "example-sync-api-secret" }
  partner   = { client_id = "example-partner-client-id", client_secret = "example-partner-client-secret" }
}
