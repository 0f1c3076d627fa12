# Stand-in credentials so the example runs against the sandbox (`--sandbox`) as it is.
# For real AWS, delete this file and pass the real values without writing them down, e.g.
#   export FLOWFORM_VAR_client_id=... FLOWFORM_VAR_client_secret=...
client_id     = "3MVG9example-client-credentials-key"
client_secret = "example-client-credentials-secret"
