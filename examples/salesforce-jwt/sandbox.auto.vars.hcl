# Stand-in credentials so the example runs against the sandbox (`--sandbox`) as it is.
# For real AWS, delete this file and pass the real values without writing them down, e.g.
#   export FLOWFORM_VAR_client_id=... FLOWFORM_VAR_client_secret=... FLOWFORM_VAR_salesforce_jwt=...
client_id      = "3MVG9example-consumer-key"
client_secret  = "example-consumer-secret"
salesforce_jwt = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIzTVZHOWV4YW1wbGUifQ.c2lnbmF0dXJl"
