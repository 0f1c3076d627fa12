# Salesforce with the OAuth 2.0 client credentials flow: no user signs in and there is no token
# to paste. AppFlow reads the connected app's client id and secret from a Secrets Manager secret
# whenever it needs a token, so the only credential in the profile is the secret's ARN.
#
# Encryption, decided deliberately:
# - The *secret* is encrypted with a customer-managed key made here. AppFlow decrypts the secret
#   itself, and the Salesforce connector guide says to attach a policy that lets AppFlow use the
#   key that encrypts it. The AWS managed key (aws/secretsmanager) that default encryption uses
#   has a policy nobody can change, so there would be nowhere to put that grant.
# - The *profile* leaves kms_arn unset: AppFlow then encrypts what it stores with its own AWS
#   managed key, which is enough here because the profile holds no secret of its own, only the
#   ARN. Set kms_arn (see the salesforce-jwt example) if your rules ask for a customer key there too.

provider "aws" {
  region = var.region
}

locals {
  # AppFlow resources of this account in this region: the confused-deputy condition.
  appflow_source_arn = "arn:aws:appflow:${var.region}:${var.account_id}:*"
  appflow_conditions = {
    StringEquals = { "aws:SourceAccount" = var.account_id }
    ArnLike      = { "aws:SourceArn" = local.appflow_source_arn }
  }
}

kms_key "salesforce_app" {
  description             = "Encrypts the Salesforce connected app's client credentials"
  alias                   = "alias/appflow-salesforce-client-credentials"
  deletion_window_in_days = 7
  tags                    = { team = "data-platform" }
}

secret "salesforce_app" {
  name        = "appflow/salesforce/client-credentials"
  description = "Client id and secret of the Salesforce connected app (client credentials flow)"
  kms_key_id  = kms_key.salesforce_app.arn
  # The key names AppFlow expects in the secret.
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
      # Without these, AppFlow acting for *another* account could be pointed at this secret.
      Condition = local.appflow_conditions
    }]
  })
  block_public_policy     = true
  recovery_window_in_days = 7
  tags                    = { team = "data-platform" }
}

kms_key_policy "salesforce_app" {
  key_id = kms_key.salesforce_app.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # Keeps the account able to manage the key; without it nobody could change this
        # policy again.
        Sid       = "EnableIAMUserPermissions"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${var.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "AllowAppFlowToDecryptTheConnectedApp"
        Effect    = "Allow"
        Principal = { Service = "appflow.amazonaws.com" }
        Action    = ["kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"]
        Resource  = "*"
        Condition = local.appflow_conditions
      },
    ]
  })
}

connector_profile "salesforce" {
  name            = "salesforce-client-credentials"
  connector_type  = "Salesforce"
  connection_mode = "Public"

  properties {
    instance_url           = var.instance_url
    is_sandbox_environment = false
  }

  credentials {
    oauth2_grant_type      = "CLIENT_CREDENTIALS"
    client_credentials_arn = secret.salesforce_app.arn
  }

  # AppFlow tries the secret when the profile is created, so the key policy that lets it
  # decrypt the secret must be in place first. Nothing in this block refers to the key policy
  # (kms_arn is unset), hence the explicit dependency.
  depends_on = [kms_key_policy.salesforce_app]
}

output "profile_arn" {
  value = connector_profile.salesforce.arn
}

output "secret_arn" {
  value = secret.salesforce_app.arn
}
