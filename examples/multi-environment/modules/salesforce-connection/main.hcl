# One Salesforce connection: a customer-managed key, the connected app's client credentials in
# a secret encrypted with it, the key policy that lets AppFlow decrypt them, and the connector
# profile (client credentials flow) that reads them. The caller decides the environment's name,
# its Salesforce org and the credentials; everything else is the same in every environment.

locals {
  prefix = "${var.name_prefix}-${var.environment}"
  # AppFlow resources of this account in this region: the confused-deputy condition.
  appflow_conditions = {
    StringEquals = { "aws:SourceAccount" = var.account_id }
    ArnLike      = { "aws:SourceArn" = "arn:aws:appflow:${var.region}:${var.account_id}:*" }
  }
}

kms_key "connection" {
  description             = "Encrypts the Salesforce connected app of ${var.environment}"
  alias                   = "alias/${local.prefix}-salesforce"
  deletion_window_in_days = 7
  tags                    = merge(var.tags, { environment = var.environment })
}

secret "client_credentials" {
  name        = "${local.prefix}/salesforce/client-credentials"
  description = "Client id and secret of the ${var.environment} Salesforce connected app"
  kms_key_id  = kms_key.connection.arn
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
      Condition = local.appflow_conditions
    }]
  })
  block_public_policy     = true
  recovery_window_in_days = 7
  tags                    = merge(var.tags, { environment = var.environment })
}

kms_key_policy "connection" {
  key_id = kms_key.connection.arn
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
  name            = "${local.prefix}-salesforce"
  connector_type  = "Salesforce"
  connection_mode = "Public"

  properties {
    instance_url           = var.instance_url
    is_sandbox_environment = var.is_sandbox
  }

  credentials {
    oauth2_grant_type      = "CLIENT_CREDENTIALS"
    client_credentials_arn = secret.client_credentials.arn
  }

  # AppFlow tries the secret when the profile is created: the key policy must be in place.
  depends_on = [kms_key_policy.connection]
}
