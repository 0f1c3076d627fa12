# Stand-in credentials so the example runs against the sandbox (`--sandbox`) as it is.
# For real AWS, delete this file and pass the real values without writing them down, e.g.
#   export FLOWFORM_VAR_oauth2_client_id=... FLOWFORM_VAR_oauth2_client_secret=...
#   export FLOWFORM_VAR_api_key=... FLOWFORM_VAR_api_secret_key=...
oauth2_client_id     = "example-acme-client-id"
oauth2_client_secret = "example-acme-client-secret"
api_key              = "example-acme-api-key"
api_secret_key       = "example-acme-api-secret"
