# Several connections to one custom connector, each authenticating its own way.
#
# Translated from a Terraform module that wrapped aws_appflow_connector_profile for a custom
# connector: its `authentication` input named the type (BASIC, APIKEY or OAUTH2), and the
# module generated the one credentials block that type needs with dynamic blocks
# (`dynamic "basic" { for_each = var.authentication.type == "BASIC" ? [1] : [] ... }`), so one
# module served every connection. Here the connections are a map, the profile has for_each
# over it, and the same dynamic blocks pick each connection's credentials block: a for_each of
# zero or one element makes a nested block optional.

connector_profile "acme" {
  for_each = var.connections

  name            = "acme-crm-${each.key}"
  connector_type  = "CustomConnector"
  connector_label = var.connector_label
  connection_mode = "Public"

  properties {
    profile_properties = { instance_url = each.value.instance_url }

    # Only OAuth 2.0 connections say where tokens come from.
    dynamic "oauth2_properties" {
      for_each = each.value.authentication_type == "OAUTH2" ? [each.value.instance_url] : []
      iterator = tenant
      content {
        token_url         = "${tenant.value}/oauth2/token"
        oauth2_grant_type = "CLIENT_CREDENTIALS"
      }
    }
  }

  credentials {
    authentication_type = each.value.authentication_type

    # One of these three generates a block, the one the connection's type names; its values
    # come from the connection's entry in var.secrets (basic.value is that entry).
    dynamic "basic" {
      for_each = each.value.authentication_type == "BASIC" ? [var.secrets[each.key]] : []
      content {
        username = basic.value.username
        password = basic.value.password
      }
    }

    dynamic "api_key" {
      for_each = each.value.authentication_type == "APIKEY" ? [var.secrets[each.key]] : []
      content {
        api_key        = api_key.value.api_key
        api_secret_key = api_key.value.api_secret_key
      }
    }

    dynamic "oauth2" {
      for_each = each.value.authentication_type == "OAUTH2" ? [var.secrets[each.key]] : []
      iterator = client
      content {
        client_id     = client.value.client_id
        client_secret = client.value.client_secret
      }
    }
  }
}

output "profile_arns" {
  value = { for name, profile in connector_profile.acme : name => profile.arn }
}
