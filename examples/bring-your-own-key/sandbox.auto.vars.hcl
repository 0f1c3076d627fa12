# Stand-ins so the example validates and runs against the sandbox (`--sandbox`) as it is.
# For real AWS, delete this file, put your key's ARN in a -var-file or
#   export FLOWFORM_VAR_kms_key_arn=arn:aws:kms:...
# and pass the credentials without writing them down:
#   export FLOWFORM_VAR_client_id=... FLOWFORM_VAR_client_secret=... FLOWFORM_VAR_salesforce_jwt=...
kms_key_arn    = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
client_id      = "3MVG9example-consumer-key"
client_secret  = "example-consumer-secret"
salesforce_jwt = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIzTVZHOWV4YW1wbGUifQ.c2lnbmF0dXJl"
