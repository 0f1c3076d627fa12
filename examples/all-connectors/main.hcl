# One connector profile for every connector type that has one, each with a realistic set of
# properties and credentials: a catalogue to copy a single profile from. The profiles are
# independent of each other; delete the ones you do not need.
#
# S3, EventBridge, LookoutMetrics, Upsolver and CustomerProfiles are missing on purpose: AppFlow
# uses them in flows without a connector profile, and flowform refuses a profile for them.

provider "aws" {
  region = var.region
}

locals {
  prefix = "all-connectors"
}

connector_profile "amplitude" {
  name            = "${local.prefix}-amplitude"
  connector_type  = "Amplitude"
  connection_mode = "Public"

  # Amplitude has no properties: the API key identifies the project.
  credentials {
    api_key    = var.amplitude.api_key
    secret_key = var.amplitude.secret_key
  }
}

connector_profile "datadog" {
  name            = "${local.prefix}-datadog"
  connector_type  = "Datadog"
  connection_mode = "Public"

  properties {
    instance_url = "https://api.datadoghq.com" # api.datadoghq.eu etc. for other Datadog sites
  }

  credentials {
    api_key         = var.datadog.api_key
    application_key = var.datadog.application_key
  }
}

connector_profile "dynatrace" {
  name            = "${local.prefix}-dynatrace"
  connector_type  = "Dynatrace"
  connection_mode = "Public"

  properties {
    instance_url = "https://abc12345.live.dynatrace.com"
  }

  credentials {
    api_token = var.dynatrace_api_token
  }
}

connector_profile "google_analytics" {
  name            = "${local.prefix}-google-analytics"
  connector_type  = "Googleanalytics" # the API's spelling, not GoogleAnalytics
  connection_mode = "Public"

  credentials {
    client_id     = var.google_analytics.client_id
    client_secret = var.google_analytics.client_secret
    access_token  = var.google_analytics.access_token
    refresh_token = var.google_analytics.refresh_token
  }
}

connector_profile "honeycode" {
  name            = "${local.prefix}-honeycode"
  connector_type  = "Honeycode"
  connection_mode = "Public"

  credentials {
    access_token  = var.honeycode.access_token
    refresh_token = var.honeycode.refresh_token
  }
}

connector_profile "infor_nexus" {
  name            = "${local.prefix}-infor-nexus"
  connector_type  = "Infornexus"
  connection_mode = "Public"

  properties {
    instance_url = "https://network.infornexus.com"
  }

  credentials {
    access_key_id     = var.infor_nexus.access_key_id
    user_id           = var.infor_nexus.user_id
    secret_access_key = var.infor_nexus.secret_access_key
    datakey           = var.infor_nexus.datakey
  }
}

connector_profile "marketo" {
  name            = "${local.prefix}-marketo"
  connector_type  = "Marketo"
  connection_mode = "Public"

  properties {
    instance_url = "https://123-ABC-456.mktorest.com" # Admin > Web Services > REST API endpoint
  }

  # AppFlow gets its own access token with the client credentials, so none is given.
  credentials {
    client_id     = var.marketo.client_id
    client_secret = var.marketo.client_secret
  }
}

connector_profile "redshift" {
  name            = "${local.prefix}-redshift-serverless"
  connector_type  = "Redshift"
  connection_mode = "Public"

  # Redshift Serverless through the Redshift Data API: AppFlow stages data in the bucket with
  # role_arn and runs COPY through the Data API with data_api_role_arn, so no database URL,
  # cluster identifier or database password is needed.
  properties {
    is_redshift_serverless = true
    workgroup_name         = "analytics"
    database_name          = "dev"
    bucket_name            = "example-appflow-redshift-staging"
    bucket_prefix          = "appflow/"
    role_arn               = "arn:aws:iam::${var.account_id}:role/AppFlowRedshiftS3Access"
    data_api_role_arn      = "arn:aws:iam::${var.account_id}:role/AppFlowRedshiftDataApiAccess"
  }
}

connector_profile "salesforce" {
  name            = "${local.prefix}-salesforce"
  connector_type  = "Salesforce"
  connection_mode = "Public"

  properties {
    instance_url           = "https://example.my.salesforce.com"
    is_sandbox_environment = false
  }

  # Tokens from the authorization code flow (AppFlow's managed connected app). See the
  # salesforce-jwt and salesforce-client-credentials examples for your own connected app.
  credentials {
    oauth2_grant_type = "AUTHORIZATION_CODE"
    access_token      = var.salesforce.access_token
    refresh_token     = var.salesforce.refresh_token
  }
}

connector_profile "servicenow" {
  name            = "${local.prefix}-servicenow"
  connector_type  = "Servicenow"
  connection_mode = "Public"

  properties {
    instance_url = "https://example.service-now.com"
  }

  # Basic authentication; the servicenow-oauth2 example shows oauth2_credentials instead.
  credentials {
    username = var.servicenow.username
    password = var.servicenow.password
  }
}

connector_profile "singular" {
  name            = "${local.prefix}-singular"
  connector_type  = "Singular"
  connection_mode = "Public"

  credentials {
    api_key = var.singular_api_key
  }
}

connector_profile "slack" {
  name            = "${local.prefix}-slack"
  connector_type  = "Slack"
  connection_mode = "Public"

  properties {
    instance_url = "https://example.slack.com"
  }

  credentials {
    client_id     = var.slack.client_id
    client_secret = var.slack.client_secret
    access_token  = var.slack.access_token
  }
}

connector_profile "snowflake" {
  name           = "${local.prefix}-snowflake"
  connector_type = "Snowflake"
  # Over AWS PrivateLink, through the Snowflake account's endpoint service
  # (SELECT SYSTEM$GET_PRIVATELINK_CONFIG() in Snowflake shows its name).
  connection_mode = "Private"

  properties {
    warehouse                 = "APPFLOW_WH"
    stage                     = "APPFLOW_DB.PUBLIC.APPFLOW_STAGE" # an external stage on the bucket below
    bucket_name               = "example-appflow-snowflake-staging"
    bucket_prefix             = "snowflake/"
    private_link_service_name = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0"
    account_name              = "xy12345"
    region                    = "us-east-1"
  }

  credentials {
    username = var.snowflake.username
    password = var.snowflake.password
  }
}

connector_profile "trendmicro" {
  name            = "${local.prefix}-trendmicro"
  connector_type  = "Trendmicro"
  connection_mode = "Public"

  credentials {
    api_secret_key = var.trendmicro_api_secret_key
  }
}

connector_profile "veeva" {
  name            = "${local.prefix}-veeva"
  connector_type  = "Veeva"
  connection_mode = "Public"

  properties {
    instance_url = "https://example.veevavault.com"
  }

  credentials {
    username = var.veeva.username
    password = var.veeva.password
  }
}

connector_profile "zendesk" {
  name            = "${local.prefix}-zendesk"
  connector_type  = "Zendesk"
  connection_mode = "Public"

  properties {
    instance_url = "https://example.zendesk.com"
  }

  credentials {
    client_id     = var.zendesk.client_id
    client_secret = var.zendesk.client_secret
    access_token  = var.zendesk.access_token
  }
}

connector_profile "sap_odata" {
  name           = "${local.prefix}-sap-odata"
  connector_type = "SAPOData"
  # The SAP system is reached over PrivateLink, through private_link_service_name.
  connection_mode = "Private"

  properties {
    application_host_url      = "https://sap.example.com"
    application_service_path  = "/sap/opu/odata/sap/API_BUSINESS_PARTNER"
    port_number               = 443
    client_number             = "100" # exactly three digits
    logon_language            = "EN"
    private_link_service_name = "com.amazonaws.vpce.us-east-1.vpce-svc-0fedcba9876543210"
    # With OAuth, AppFlow should not follow the SAP system's single sign-on redirect.
    disable_sso = true

    oauth_properties {
      token_url     = "https://sap.example.com/sap/bc/sec/oauth2/token"
      auth_code_url = "https://sap.example.com/sap/bc/sec/oauth2/authorize"
      oauth_scopes  = ["API_BUSINESS_PARTNER_0001"]
    }
  }

  credentials {
    oauth_credentials {
      client_id     = var.sap_odata.client_id
      client_secret = var.sap_odata.client_secret
      access_token  = var.sap_odata.access_token
      refresh_token = var.sap_odata.refresh_token
    }
  }
}

connector_profile "custom_connector" {
  name            = "${local.prefix}-custom-connector"
  connector_type  = "CustomConnector"
  connector_label = "acme-crm-connector" # as registered with RegisterConnector
  connection_mode = "Public"

  properties {
    profile_properties = {
      instance_url = "https://api.acme-crm.example.com"
      api_version  = "v2"
    }
  }

  # The connector's own authentication scheme; see examples/custom-connector for OAUTH2 and APIKEY.
  credentials {
    authentication_type = "CUSTOM"

    custom {
      custom_authentication_type = "HMAC_SIGNATURE"
      credentials_map            = var.custom_connector
    }
  }
}

connector_profile "pardot" {
  name            = "${local.prefix}-pardot"
  connector_type  = "Pardot"
  connection_mode = "Public"

  properties {
    instance_url           = "https://pi.pardot.com"
    is_sandbox_environment = false
    business_unit_id       = "0Uv5g000000ExAmPLE" # Setup > Account Engagement > Business Unit Setup
  }

  credentials {
    access_token  = var.pardot.access_token
    refresh_token = var.pardot.refresh_token
  }
}
