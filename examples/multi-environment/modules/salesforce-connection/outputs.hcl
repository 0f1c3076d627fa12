output "profile_arn" {
  value = connector_profile.salesforce.arn
}

output "profile_name" {
  value = connector_profile.salesforce.name
}

output "secret_arn" {
  value = secret.client_credentials.arn
}

output "key_arn" {
  value = kms_key.connection.arn
}
