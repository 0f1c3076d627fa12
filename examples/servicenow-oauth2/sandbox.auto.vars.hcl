# Stand-in credentials so the example runs against the sandbox (`--sandbox`) as it is.
# For real AWS, delete this file and pass the real values without writing them down, e.g.
#   export FLOWFORM_VAR_client_id=... FLOWFORM_VAR_client_secret=...
#   export FLOWFORM_VAR_access_token=... FLOWFORM_VAR_refresh_token=...
client_id     = "example-servicenow-client-id"
client_secret = "example-servicenow-client-secret"
access_token  = "example-servicenow-access-token"
refresh_token = "example-servicenow-refresh-token"
