# ServiceNow with OAuth 2.0 (the oAuth2Credentials member AppFlow added in September 2023)
# instead of a ServiceNow user's name and password: the integration stops depending on a person's
# account, and access can be revoked in ServiceNow without changing a password.

connector_profile "servicenow" {
  name            = "servicenow-oauth2"
  connector_type  = "Servicenow"
  connection_mode = "Public"
  # No kms_arn: AppFlow encrypts the stored tokens with its AWS managed key. Add a key as in the
  # salesforce-jwt example when your rules require a customer-managed one.

  properties {
    instance_url = var.instance_url
  }

  credentials {
    # Username and password are left out: with oauth2_credentials they are not used.
    oauth2_credentials {
      client_id     = var.client_id
      client_secret = var.client_secret
      access_token  = var.access_token
      refresh_token = var.refresh_token

      oauth_request {
        # null (the default) leaves the field out of the request.
        auth_code    = var.auth_code
        redirect_uri = var.redirect_uri
      }
    }
  }
}

output "profile_arn" {
  value = connector_profile.servicenow.arn
}
