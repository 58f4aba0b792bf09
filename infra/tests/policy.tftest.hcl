# Security and cost policy for a synthesized classroom. `labctl classroom test` copies this file into
# cdktf.out/stacks/<class>/tests/ together with classroom.auto.tfvars.json (the expectations computed from
# classroom.yaml) and runs `terraform test`. The AWS provider is mocked: nothing is created, no credentials.

mock_provider "aws" {
  mock_data "aws_ami" {
    defaults = {
      id           = "ami-0123456789abcdef0"
      architecture = "x86_64"
    }
  }
}

run "security_policy" {
  command = apply

  assert {
    condition     = alltrue([for k, i in local.instances : i.metadata_options[0].http_tokens == "required"])
    error_message = "every VM must require IMDSv2 (metadata_options.http_tokens = required)"
  }

  assert {
    condition     = alltrue([for k, i in local.instances : i.metadata_options[0].http_put_response_hop_limit == 1])
    error_message = "instance metadata must not be reachable from containers on the VM (hop limit 1)"
  }

  assert {
    condition = alltrue([for k, i in local.instances :
      i.root_block_device[0].encrypted == true && i.root_block_device[0].volume_type == "gp3"
    ])
    error_message = "every root volume must be encrypted gp3"
  }

  assert {
    condition     = alltrue([for k, i in local.instances : i.root_block_device[0].volume_size == var.expected_disk_gb])
    error_message = "root volumes must have the size from classroom.yaml diskGb"
  }

  assert {
    condition = var.ssh_open_allowed || alltrue([for rule in aws_security_group.security-group-lab.ingress :
      !contains(rule.cidr_blocks, "0.0.0.0/0") && try(length(rule.ipv6_cidr_blocks), 0) == 0
    ])
    error_message = "SSH is open to the internet but classroom.yaml does not set ssh.allowAnywhere"
  }

  assert {
    condition = sort(flatten([for rule in aws_security_group.security-group-lab.ingress : rule.cidr_blocks])) == sort(var.expected_ssh_cidrs)
    error_message = "inbound CIDRs must be exactly ssh.allowedCidrs (none when it is empty)"
  }

  assert {
    condition     = alltrue([for rule in aws_security_group.security-group-lab.ingress : rule.from_port == 22 && rule.to_port == 22 && rule.protocol == "tcp"])
    error_message = "the only inbound traffic allowed is SSH (tcp/22)"
  }

  assert {
    condition     = alltrue([for k, i in local.instances : contains(i.vpc_security_group_ids, aws_security_group.security-group-lab.id)])
    error_message = "every VM must be in the classroom security group"
  }

  assert {
    condition     = alltrue([for k, i in local.instances : i.iam_instance_profile == aws_iam_instance_profile.iam-instance-profile-ssm.name])
    error_message = "every VM needs the SSM instance profile (access without inbound SSH)"
  }

  assert {
    condition     = aws_iam_role_policy_attachment.iam-role-ssm-core.policy_arn == "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
    error_message = "the SSM role must carry only the AWS-managed SSM core policy"
  }

  assert {
    condition     = alltrue([for k, i in local.instances : i.instance_initiated_shutdown_behavior == var.expected_shutdown_behavior])
    error_message = "the TTL shutdown must stop or terminate the VM as classroom.yaml onExpiry says"
  }

  assert {
    condition     = alltrue([for k, i in local.instances : strcontains(i.user_data, "shutdown -h +${var.expected_ttl_minutes} ")])
    error_message = "every VM must schedule its TTL shutdown at first boot"
  }
}
