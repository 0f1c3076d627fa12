# Stand-in tokens so the example runs against the sandbox (`--sandbox`) as it is. For real AWS,
# delete this file and pass the real ones without writing them down, e.g.
#   export FLOWFORM_VAR_salesforce_tokens='{ dev = { access_token = "...", refresh_token = "..." }, ... }'
salesforce_tokens = {
  dev     = { access_token = "00Dexample!dev-access", refresh_token = "5Aep-example-dev-refresh" }
  staging = { access_token = "00Dexample!staging-access", refresh_token = "5Aep-example-staging-refresh" }
  prod    = { access_token = "00Dexample!prod-access", refresh_token = "5Aep-example-prod-refresh" }
}
