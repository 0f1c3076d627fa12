# One sensitive object per connector, so each connector's credentials travel together and can be
# given at once, e.g. FLOWFORM_VAR_datadog='{ api_key = "...", application_key = "..." }'.
# Stand-ins for all of them are in sandbox.auto.vars.hcl.

variable "region" {
  type        = string
  default     = "us-east-1"
  description = "The AWS region of the profiles."
}

variable "account_id" {
  type        = string
  default     = "123456789012" # the sandbox's account; set yours for real AWS
  description = "The AWS account that owns the profiles (used in the Redshift role ARNs)."
}

variable "amplitude" {
  type        = object({ api_key = string, secret_key = string })
  sensitive   = true
  description = "Amplitude project API key and secret key."
}

variable "datadog" {
  type        = object({ api_key = string, application_key = string })
  sensitive   = true
  description = "Datadog API key and application key."
}

variable "dynatrace_api_token" {
  type        = string
  sensitive   = true
  description = "A Dynatrace API token."
}

variable "google_analytics" {
  type        = object({ client_id = string, client_secret = string, access_token = string, refresh_token = string })
  sensitive   = true
  description = "Google OAuth client and the tokens it issued."
}

variable "honeycode" {
  type        = object({ access_token = string, refresh_token = string })
  sensitive   = true
  description = "Amazon Honeycode OAuth tokens."
}

variable "infor_nexus" {
  type        = object({ access_key_id = string, user_id = string, secret_access_key = string, datakey = string })
  sensitive   = true
  description = "Infor Nexus access key id, user id, secret access key and data key."
}

variable "marketo" {
  type        = object({ client_id = string, client_secret = string })
  sensitive   = true
  description = "Marketo LaunchPoint custom service client id and secret."
}

variable "redshift" {
  type        = object({ username = string, password = string })
  sensitive   = true
  description = "Amazon Redshift database user (unused when the Data API role is used, as here)."
}

variable "salesforce" {
  type        = object({ access_token = string, refresh_token = string })
  sensitive   = true
  description = "Salesforce OAuth tokens from the authorization code flow."
}

variable "servicenow" {
  type        = object({ username = string, password = string })
  sensitive   = true
  description = "ServiceNow integration user (see examples/servicenow-oauth2 for OAuth 2.0)."
}

variable "singular_api_key" {
  type        = string
  sensitive   = true
  description = "Singular reporting API key."
}

variable "slack" {
  type        = object({ client_id = string, client_secret = string, access_token = string })
  sensitive   = true
  description = "Slack app client id and secret and its OAuth access token."
}

variable "snowflake" {
  type        = object({ username = string, password = string })
  sensitive   = true
  description = "Snowflake user that AppFlow loads data as."
}

variable "trendmicro_api_secret_key" {
  type        = string
  sensitive   = true
  description = "Trend Micro API secret key."
}

variable "veeva" {
  type        = object({ username = string, password = string })
  sensitive   = true
  description = "Veeva Vault user."
}

variable "zendesk" {
  type        = object({ client_id = string, client_secret = string, access_token = string })
  sensitive   = true
  description = "Zendesk OAuth client and access token."
}

variable "sap_odata" {
  type        = object({ client_id = string, client_secret = string, access_token = string, refresh_token = string })
  sensitive   = true
  description = "SAP OAuth client and tokens."
}

variable "custom_connector" {
  type        = map(string)
  sensitive   = true
  description = "The credentials map of the custom connector's CUSTOM authentication."
}

variable "pardot" {
  type        = object({ access_token = string, refresh_token = string })
  sensitive   = true
  description = "Salesforce Pardot (Marketing Cloud Account Engagement) OAuth tokens."
}
