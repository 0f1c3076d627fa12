# Dev, staging and prod Salesforce connections from one module.
#
# Translated from a Terraform repository that kept one directory per environment, each a copy of
# the same four resources (aws_kms_key, aws_secretsmanager_secret with its version and policy,
# aws_kms_key_policy, aws_appflow_connector_profile) with a different name and org. Here the four
# resources live once, in modules/salesforce-connection, and this configuration calls the
# module once per environment with for_each: the addresses read
# module.salesforce["prod"].connector_profile.salesforce.
#
# One account per stage: select a workspace per account and give each its environments in a
# var-file (see README.md): `flowform workspace select prod` and `-var-file prod.vars.hcl`.

provider "aws" {
  region = var.region
}

module "salesforce" {
  source   = "./modules/salesforce-connection"
  for_each = var.environments

  environment   = each.key
  name_prefix   = "${var.name_prefix}-${flowform.workspace}"
  region        = var.region
  account_id    = var.account_id
  instance_url  = each.value.instance_url
  is_sandbox    = each.value.is_sandbox
  client_id     = var.connected_apps[each.key].client_id
  client_secret = var.connected_apps[each.key].client_secret
  tags          = { team = var.name_prefix }
}

output "profile_arns" {
  value = { for env, connection in module.salesforce : env => connection.profile_arn }
}

output "prod_profile_name" {
  value = module.salesforce["prod"].profile_name
}
