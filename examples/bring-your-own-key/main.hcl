# The salesforce-jwt scenario for teams whose security group hands out KMS keys: the key already
# exists and is not flowform's to create or delete. flowform only manages the key's *policy*
# (so that AppFlow may use it), and puts the previous policy back on destroy.

provider "aws" {
  region = var.region
}

locals {
  # AppFlow resources of this account in this region: the confused-deputy condition.
  appflow_source_arn = "arn:aws:appflow:${var.region}:${var.account_id}:*"
}

secret "salesforce_app" {
  name        = "appflow/salesforce/connected-app-byok"
  description = "Client id and secret of the Salesforce connected app used by AppFlow"
  # The variable, not kms_key_policy.appflow.key_arn: secrets are applied before key policies,
  # so a secret may not refer to one. Both name the same key, which is how flowform still
  # checks that the key policy below lets AppFlow decrypt this secret.
  kms_key_id = var.kms_key_arn
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
  key_id = var.kms_key_arn
  # This replaces the key's whole policy, so it must keep everything the key's owners rely on.
  # At the very least keep the account-admin statement: without it nobody may be able to change
  # the policy again (flowform warns; KMS's own lockout safety check may refuse it too).
  # Add your organisation's other statements (key administrators, other services) here too.
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
  bypass_policy_lockout_safety_check = false

  lifecycle {
    # Losing this resource would put the old policy back and cut AppFlow off from the key.
    prevent_destroy = true
  }
}

connector_profile "salesforce" {
  name            = "salesforce-prod-byok"
  connector_type  = "Salesforce"
  connection_mode = "Public"
  # Through the key policy rather than var.kms_key_arn: the profile is then created only after
  # AppFlow has been allowed to use the key, which AppFlow checks when the profile is created.
  kms_arn = kms_key_policy.appflow.key_arn

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

output "key_arn" {
  value = kms_key_policy.appflow.key_arn
}
