# Two working copies of this folder (two people, or a laptop and a CI runner) share one state
# in S3: whoever runs first holds the lock, the other waits (--lock-timeout) or is told who
# holds it, and each plan starts from what the other applied. `flowform.workspace` keeps the
# names of each environment's resources apart (`flowform workspace new staging`).

secret "servicenow" {
  name                    = "appflow/${flowform.workspace}/servicenow"
  description             = "ServiceNow integration user (${flowform.workspace})"
  secret_string           = jsonencode({ username = "integration", password = var.servicenow_password })
  recovery_window_in_days = 0
  tags                    = { team = "data", environment = flowform.workspace }
}

connector_profile "servicenow" {
  name            = "servicenow-${flowform.workspace}"
  connector_type  = "Servicenow"
  connection_mode = "Public"

  properties {
    instance_url = "https://example.service-now.com"
  }

  credentials {
    username = "integration"
    password = var.servicenow_password
  }
}

variable "servicenow_password" {
  type      = string
  sensitive = true
}

output "profile_arn" {
  value = connector_profile.servicenow.arn
}
