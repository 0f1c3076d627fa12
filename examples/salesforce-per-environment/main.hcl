# One Salesforce connection per environment, from one block.
#
# Translated from a Terraform configuration that declared an aws_appflow_connector_profile
# "salesforce" named "${var.prefix}-appflow-salesforce-${var.env}", read its OAuth access and
# refresh tokens from per-environment SSM parameters, and was applied once per environment with
# a different var.env. Here the environments are a map, the profile has for_each over it (one
# instance per key: connector_profile.salesforce["prod"]), and the tokens come from one
# sensitive variable keyed the same way (flowform reads no SSM parameter; pass them with
# FLOWFORM_VAR_salesforce_tokens or a var-file that is not committed). A customer-managed key,
# shared by every environment, encrypts what AppFlow stores for the profiles.

provider "aws" {
  region = var.region
}

kms_key "appflow" {
  description             = "Encrypts the Salesforce connections of every environment"
  alias                   = "alias/${var.prefix}-appflow-salesforce"
  deletion_window_in_days = 7
  tags                    = { team = var.prefix }
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
          ArnLike      = { "aws:SourceArn" = "arn:aws:appflow:${var.region}:${var.account_id}:*" }
        }
      },
    ]
  })
}

connector_profile "salesforce" {
  for_each = var.environments

  name            = "${var.prefix}-appflow-salesforce-${each.key}"
  connector_type  = "Salesforce"
  connection_mode = "Public"
  kms_arn         = kms_key_policy.appflow.key_arn

  properties {
    instance_url           = each.value.instance_url
    is_sandbox_environment = each.value.is_sandbox
  }

  credentials {
    access_token  = var.salesforce_tokens[each.key].access_token
    refresh_token = var.salesforce_tokens[each.key].refresh_token
  }
}

output "profile_arns" {
  value = { for env, profile in connector_profile.salesforce : env => profile.arn }
}
