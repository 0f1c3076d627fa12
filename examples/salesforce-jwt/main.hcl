# A Salesforce connection with your own connected app and the JWT bearer grant, as the
# Salesforce connector guide describes it: a customer-managed KMS key, a secret encrypted with
# it that holds the connected app's client id and secret, resource policies that let AppFlow
# (and only AppFlow acting for this account) read both, and the connector profile.

provider "aws" {
  region = var.region
}

locals {
  # AppFlow resources of this account in this region: the confused-deputy condition.
  appflow_source_arn = "arn:aws:appflow:${var.region}:${var.account_id}:*"
}

kms_key "appflow" {
  description             = "Encrypts the Salesforce connected app's credentials for AppFlow"
  alias                   = "alias/appflow-salesforce"
  deletion_window_in_days = 7
  tags                    = { team = "data-platform" }
}

secret "salesforce_app" {
  name        = "appflow/salesforce/connected-app"
  description = "Client id and secret of the Salesforce connected app used by AppFlow"
  kms_key_id  = kms_key.appflow.arn
  secret_string = jsonencode({
    clientId     = var.client_id
    clientSecret = var.client_secret
  })
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AllowAppFlowToReadTheConnectedApp"
      Effect    = "Allow"
      Principal = { Service = "appflow.amazonaws.com" }
      Action    = "secretsmanager:GetSecretValue"
      Resource  = "*"
      Condition = {
        StringEquals = { "aws:SourceAccount" = var.account_id }
        ArnLike      = { "aws:SourceArn" = local.appflow_source_arn }
      }
    }]
  })
  recovery_window_in_days = 7
  tags                    = { team = "data-platform" }
}

kms_key_policy "appflow" {
  key_id = kms_key.appflow.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "EnableIAMUserPermissions"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${var.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "AllowAppFlowToUseTheKey"
        Effect    = "Allow"
        Principal = { Service = "appflow.amazonaws.com" }
        Action    = ["kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"]
        Resource  = "*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = var.account_id }
          ArnLike      = { "aws:SourceArn" = local.appflow_source_arn }
        }
      },
    ]
  })
}

connector_profile "salesforce" {
  name            = "salesforce-prod"
  connector_type  = "Salesforce"
  connection_mode = "Public"
  kms_arn         = kms_key_policy.appflow.key_arn

  properties {
    instance_url           = var.instance_url
    is_sandbox_environment = false
  }

  credentials {
    oauth2_grant_type      = "JWT_BEARER"
    jwt_token              = var.salesforce_jwt
    client_credentials_arn = secret.salesforce_app.arn
  }
}

output "profile_arn" {
  value = connector_profile.salesforce.arn
}

output "secret_arn" {
  value = secret.salesforce_app.arn
}
