# Two profiles for one custom connector (built with the AppFlow Custom Connector SDK and
# registered under connector_label): one authenticating with OAuth 2.0, one with an API key.
# The connector decides which authentication types it supports and which profile properties it
# reads; flowform checks the shape AppFlow accepts, not what the connector expects, so match the
# property names below to your connector's ConnectorMetadata.

locals {
  # Shared by both profiles; the connector reads these as its profile properties.
  tenant_properties = {
    instance_url = var.instance_url
    api_version  = "v2"
  }
}

connector_profile "acme_oauth2" {
  name            = "acme-crm-oauth2"
  connector_type  = "CustomConnector"
  connector_label = var.connector_label # required for, and only allowed on, CustomConnector
  connection_mode = "Public"

  properties {
    profile_properties = merge(local.tenant_properties, { auth_mode = "oauth2" })

    oauth2_properties {
      token_url         = "${var.instance_url}/oauth2/token"
      oauth2_grant_type = "CLIENT_CREDENTIALS"
      # Extra form fields the SaaS's token endpoint wants with every token request.
      token_url_custom_properties = {
        audience = "https://api.acme-crm.example.com"
        scope    = "read:accounts"
      }
    }
  }

  credentials {
    authentication_type = "OAUTH2"

    oauth2 {
      client_id     = var.oauth2_client_id
      client_secret = var.oauth2_client_secret
      # null (the defaults) leaves them out: the client credentials grant needs no user tokens.
      access_token  = var.oauth2_access_token
      refresh_token = var.oauth2_refresh_token
    }
  }
}

connector_profile "acme_api_key" {
  name            = "acme-crm-api-key"
  connector_type  = "CustomConnector"
  connector_label = var.connector_label
  connection_mode = "Public"

  properties {
    profile_properties = merge(local.tenant_properties, { auth_mode = "apikey" })
  }

  credentials {
    authentication_type = "APIKEY"

    api_key {
      api_key        = var.api_key
      api_secret_key = var.api_secret_key
    }
  }
}

output "oauth2_profile_arn" {
  value = connector_profile.acme_oauth2.arn
}

output "api_key_profile_arn" {
  value = connector_profile.acme_api_key.arn
}
