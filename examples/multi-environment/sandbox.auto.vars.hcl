# Stand-in credentials so the example runs against the sandbox (`--sandbox`) as it is. For real
# AWS, delete this file and pass the real ones without writing them down, e.g.
#   export FLOWFORM_VAR_connected_apps='{ dev = { client_id = "...", client_secret = "..." }, ... }'
connected_apps = {
  dev     = { client_id = "3MVG9example-dev", client_secret = "example-dev-client-secret" }
  staging = { client_id = "3MVG9example-staging", client_secret = "example-staging-client-secret" }
  prod    = { client_id = "3MVG9example-prod", client_secret = "example-prod-client-secret" }
}
