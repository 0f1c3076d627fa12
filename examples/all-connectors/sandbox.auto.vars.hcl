# Stand-in credentials so the example runs against the sandbox (`--sandbox`) as it is. None of
# them is real. For real AWS, delete this file and pass each connector's credentials without
# writing them down, e.g.
#   export FLOWFORM_VAR_datadog='{ api_key = "...", application_key = "..." }'
amplitude = { api_key = "example-amplitude-api-key", secret_key = "example-amplitude-secret-key" }
datadog   = { api_key = "example-datadog-api-key", application_key = "example-datadog-app-key" }

dynatrace_api_token = "dt0c01.EXAMPLE.example-token"

google_analytics = {
  client_id     = "123456789012-example.apps.googleusercontent.com"
  client_secret = "example-google-client-secret"
  access_token  = "ya29.example-access-token"
  refresh_token = "1//example-refresh-token"
}

honeycode = { access_token = "example-honeycode-access-token", refresh_token = "example-honeycode-refresh-token" }

infor_nexus = {
  access_key_id     = "example-infor-access-key-id"
  user_id           = "example-infor-user"
  secret_access_key = "example-infor-secret-access-key"
  datakey           = "example-infor-datakey"
}

marketo  = { client_id = "example-marketo-client-id", client_secret = "example-marketo-client-secret" }
redshift = { username = "appflow", password = "example-redshift-password" }

salesforce = { access_token = "00Dexample!access-token", refresh_token = "5Aep8example-refresh-token" }
servicenow = { username = "appflow.integration", password = "example-servicenow-password" }

singular_api_key = "example-singular-api-key"

slack = {
  client_id     = "1234567890.0987654321"
  client_secret = "example-slack-client-secret"
  access_token  = "xoxp-example-access-token"
}

snowflake                 = { username = "APPFLOW_LOADER", password = "example-snowflake-password" }
trendmicro_api_secret_key = "example-trendmicro-api-secret-key"
veeva                     = { username = "appflow@example.veevavault.com", password = "example-veeva-password" }

zendesk = {
  client_id     = "example-zendesk-client"
  client_secret = "example-zendesk-client-secret"
  access_token  = "example-zendesk-access-token"
}

sap_odata = {
  client_id     = "example-sap-client-id"
  client_secret = "example-sap-client-secret"
  access_token  = "example-sap-access-token"
  refresh_token = "example-sap-refresh-token"
}

custom_connector = { tenant_id = "example-tenant", signing_key = "example-signing-key" }

pardot = { access_token = "00Dexample!pardot-access-token", refresh_token = "5Aep8example-pardot-refresh-token" }
