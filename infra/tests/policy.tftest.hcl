# Security, cost and shape policy for a synthesized classroom. `labctl classroom test` copies this file into
# cdktf.out/stacks/<class>/tests/ with classroom.auto.tfvars.json (the expectations, computed from classroom.yaml
# rather than from the stack) and runs `terraform test`. The AWS provider is mocked: nothing is created.
#
# Two views are checked. The plan (resolved values: what terraform would create for every VM) and the stack's own
# Terraform JSON (var.config, read with file()): only the JSON lists *every* resource, including ones this file
# does not know by name, so "no other security group, rule or policy attachment" can be checked at all.
# One run, plan only: every run block restarts the provider, and apply adds nothing a plan does not show here.

mock_provider "aws" {
  mock_data "aws_ami" {
    defaults = {
      id           = "ami-0123456789abcdef0"
      architecture = "x86_64"
    }
  }
  mock_data "aws_ec2_instance_type_offerings" {
    defaults = {
      locations = ["zone-d", "zone-a", "zone-c", "zone-b"]
    }
  }
}

variables {
  config = jsondecode(file("cdk.tf.json"))
}

run "classroom_policy" {
  command = plan

  # ---- nothing outside the reviewed set --------------------------------------------------------------------
  assert {
    condition     = length(setsubtract(keys(var.config.resource), var.allowed_resource_types)) == 0
    error_message = "the stack has resource types outside the reviewed set: ${join(", ", setsubtract(keys(var.config.resource), var.allowed_resource_types))}"
  }

  assert {
    condition     = !contains(keys(var.config.resource), "aws_iam_role_policy_attachment") && !contains(keys(var.config.resource), "aws_iam_policy_attachment") && !contains(keys(var.config.resource), "aws_iam_policy")
    error_message = "the roles must carry only their reviewed inline policies: the stack attaches a managed policy"
  }

  # ---- network: no public ingress on any port, by any group or rule --------------------------------------------
  assert {
    condition = var.ssh_open_allowed || sum(concat([0], [
      for c in flatten(concat(
        [for name, sg in try(var.config.resource.aws_security_group, {}) : [for r in try(sg.ingress, []) : try(r.cidr_blocks, ["0.0.0.0/0"])]],
        [for name, r in try(var.config.resource.aws_security_group_rule, {}) : r.type == "ingress" ? try(r.cidr_blocks, ["0.0.0.0/0"]) : []],
        [for name, r in try(var.config.resource.aws_vpc_security_group_ingress_rule, {}) : try([r.cidr_ipv4], ["0.0.0.0/0"])],
        )) : (
        # anything but a literal IPv4 CIDR (an expression, IPv6) counts as the whole internet
        !can(regex("^[0-9]+[.][0-9]+[.][0-9]+[.][0-9]+/[0-9]+$", c)) ? 4294967296 :
        pow(2, 32 - tonumber(split("/", c)[1])) - sum(concat([0], [
          for b in var.non_public_blocks : (
            # a non-public block inside c is not public space; c inside a non-public block has none at all
            b.prefix >= tonumber(split("/", c)[1]) && floor(b.start / pow(2, 32 - tonumber(split("/", c)[1]))) == floor(sum([for i, o in split(".", split("/", c)[0]) : tonumber(o) * pow(256, 3 - i)]) / pow(2, 32 - tonumber(split("/", c)[1]))) ? pow(2, 32 - b.prefix) :
            b.prefix < tonumber(split("/", c)[1]) && floor(sum([for i, o in split(".", split("/", c)[0]) : tonumber(o) * pow(256, 3 - i)]) / pow(2, 32 - b.prefix)) == floor(b.start / pow(2, 32 - b.prefix)) ? pow(2, 32 - tonumber(split("/", c)[1])) : 0
          )
        ]))
      )
    ])) <= 16777216
    error_message = "inbound rules open the VMs to the internet (their CIDRs together cover more than a /8 of public addresses) but classroom.yaml does not set ssh.allowAnywhere"
  }

  assert {
    condition = alltrue(flatten(concat(
      [for name, sg in try(var.config.resource.aws_security_group, {}) : [for r in try(sg.ingress, []) : try(length(r.ipv6_cidr_blocks), 0) == 0 && try(length(r.prefix_list_ids), 0) == 0]],
      [for name, r in try(var.config.resource.aws_security_group_rule, {}) : r.type != "ingress" || (try(length(r.ipv6_cidr_blocks), 0) == 0 && try(length(r.prefix_list_ids), 0) == 0)],
      [for name, r in try(var.config.resource.aws_vpc_security_group_ingress_rule, {}) : try(r.cidr_ipv6, null) == null && try(r.prefix_list_id, null) == null],
    )))
    error_message = "inbound rules must not use IPv6 ranges or prefix lists (classroom.yaml only allows IPv4 CIDRs)"
  }

  assert {
    condition     = jsonencode(keys(var.config.resource.aws_security_group)) == jsonencode(["security-group-lab"])
    error_message = "the class has one security group, security-group-lab; found ${join(", ", keys(var.config.resource.aws_security_group))}"
  }

  assert {
    condition     = jsonencode(sort(flatten([for rule in aws_security_group.security-group-lab.ingress : rule.cidr_blocks]))) == jsonencode(sort(var.expected_ssh_cidrs))
    error_message = "inbound CIDRs must be exactly ssh.allowedCidrs (none when it is empty)"
  }

  assert {
    condition     = alltrue([for rule in aws_security_group.security-group-lab.ingress : rule.from_port == 22 && rule.to_port == 22 && rule.protocol == "tcp"])
    error_message = "the only inbound traffic allowed is SSH (tcp/22)"
  }

  assert {
    condition = alltrue([for name, i in var.config.resource.aws_instance :
      jsonencode(i.vpc_security_group_ids) == jsonencode(["$${aws_security_group.security-group-lab.id}"]) && !can(i.security_groups) && !can(i.network_interface)
    ])
    error_message = "every VM must be in the classroom security group and no other"
  }

  # ---- VMs: one per seat, hardened, in a zone that offers the type ---------------------------------------------
  assert {
    condition     = jsonencode(sort(keys(aws_instance.seat))) == jsonencode(sort(var.expected_seats))
    error_message = "VMs (${join(", ", sort(keys(aws_instance.seat)))}) differ from learners x distros (${join(", ", sort(var.expected_seats))})"
  }

  assert {
    condition     = jsonencode(keys(var.config.resource.aws_instance)) == jsonencode(["seat"])
    error_message = "every VM is one instance of aws_instance.seat; found ${join(", ", keys(var.config.resource.aws_instance))}"
  }

  assert {
    condition     = alltrue([for k, i in aws_instance.seat : i.metadata_options[0].http_tokens == "required" && i.metadata_options[0].http_put_response_hop_limit == 1])
    error_message = "every VM must require IMDSv2 with hop limit 1 (no instance credentials for containers)"
  }

  assert {
    condition = alltrue([for k, i in aws_instance.seat :
      i.root_block_device[0].encrypted == true && i.root_block_device[0].volume_type == "gp3" && i.root_block_device[0].volume_size == var.expected_disk_gb
    ])
    error_message = "every root volume must be encrypted gp3 of classroom.yaml diskGb"
  }

  assert {
    condition     = alltrue([for k, i in aws_instance.seat : i.instance_type == var.expected_instance_type && i.instance_initiated_shutdown_behavior == var.expected_shutdown_behavior])
    error_message = "every VM must have classroom.yaml's instanceType and stop or terminate itself as onExpiry says"
  }

  assert {
    condition     = alltrue([for k, i in aws_instance.seat : var.expected_cpu_credits == null || try(i.credit_specification[0].cpu_credits, null) == var.expected_cpu_credits])
    error_message = "burstable lab VMs must run with unlimited CPU credits (standard credits throttle the CPU-heavy scenarios)"
  }

  assert {
    condition     = length(aws_subnet.subnet) == min(3, length(data.aws_ec2_instance_type_offerings.zone-offerings.locations)) && alltrue([for s in aws_subnet.subnet : contains(data.aws_ec2_instance_type_offerings.zone-offerings.locations, s.availability_zone)])
    error_message = "one subnet per zone that offers the instance type (up to 3)"
  }

  assert {
    condition     = var.config.resource.aws_instance.seat.subnet_id == "$${element(aws_subnet.subnet[*].id, each.value.zone_slot)}"
    error_message = "VMs must be spread over the zone subnets"
  }

  # ---- images: the distro vendors' own, by anchored name ----------------------------------------------------
  assert {
    condition = jsonencode({
      for k, d in var.config.data.aws_ami : k => {
        owners       = d.owners
        name         = one([for f in d.filter : f.values if f.name == "name"])
        architecture = one([for f in d.filter : f.values if f.name == "architecture"])
      }
    }) == jsonencode(var.expected_amis)
    error_message = "AMIs must come from the distro vendors' accounts with their anchored name patterns (infra/distros.ts)"
  }

  assert {
    condition     = var.config.resource.aws_instance.seat.ami == "$${local.amis[each.value.distro]}" && jsonencode(var.config.locals.amis) == jsonencode(var.expected_ami_refs)
    error_message = "every VM must boot the vendor AMI looked up for its distro"
  }

  # ---- boot: tools, access and the TTL ------------------------------------------------------------------------
  assert {
    condition = alltrue([for k, i in aws_instance.seat :
      strcontains(i.user_data, "bpfcc-tools bpftrace linux-headers-") && strcontains(i.user_data, "bcc-tools bpftrace kernel-devel-") && strcontains(i.user_data, "/usr/local/lib/labctl/labctl-boot.sh")
    ])
    error_message = "every VM's user data must install the eBPF tools (BCC, bpftrace, headers) with labctl-boot.sh"
  }

  assert {
    condition = alltrue([for k, i in aws_instance.seat :
      strcontains(i.user_data, "labctl-expire.timer") && strcontains(i.user_data, "OnUnitActiveSec=1min") && strcontains(i.user_data, "content: |\n      ${var.expected_expires_epoch}\n")
    ])
    error_message = "every VM must schedule its TTL: the labctl-expire timer and the class expiry (epoch ${var.expected_expires_epoch})"
  }

  # ---- credentials: only the intended roles and policies ----------------------------------------------------
  assert {
    condition     = jsonencode(sort(keys(var.config.resource.aws_iam_role))) == jsonencode(sort(keys(var.expected_role_trust))) && alltrue([for k, r in var.config.resource.aws_iam_role : !can(r.managed_policy_arns) && !can(r.inline_policy) && jsondecode(r.assume_role_policy).Statement[0].Principal.Service == var.expected_role_trust[k] && length(jsondecode(r.assume_role_policy).Statement) == 1])
    error_message = "the class has only its reviewed roles (${join(", ", keys(var.expected_role_trust))}), each trusted by its one service, with no managed policies"
  }

  assert {
    condition = jsonencode({
      for k, p in try(var.config.resource.aws_iam_role_policy, {}) : k => sort(flatten([for st in jsondecode(p.policy).Statement : st.Effect == "Allow" && !can(st.NotAction) && !can(st.NotResource) ? flatten([st.Action]) : ["(not a plain Allow)"]]))
    }) == jsonencode(var.expected_role_policies)
    error_message = "role policies must be exactly the reviewed ones: Session Manager only (no Parameter Store) for the VMs, Stop/TerminateInstances for the backstop"
  }

  assert {
    condition     = var.expected_ssm ? var.config.resource.aws_instance.seat.iam_instance_profile == "$${aws_iam_instance_profile.iam-instance-profile-ssm.name}" : !can(var.config.resource.aws_instance.seat.iam_instance_profile)
    error_message = var.expected_ssm ? "every VM needs the Session Manager instance profile" : "without SSM the VMs must have no instance profile (learners are root: any role is theirs)"
  }

  # ---- the AWS-side backstop ---------------------------------------------------------------------------------
  assert {
    condition = can(var.config.resource.aws_scheduler_schedule.backstop) && try(
      var.config.resource.aws_scheduler_schedule.backstop.schedule_expression == "at(${var.expected_backstop_at})" &&
      var.config.resource.aws_scheduler_schedule.backstop.schedule_expression_timezone == "UTC" &&
      var.config.resource.aws_scheduler_schedule.backstop.state == "ENABLED" &&
      var.config.resource.aws_scheduler_schedule.backstop.target.arn == var.expected_backstop_target &&
      var.config.resource.aws_scheduler_schedule.backstop.target.role_arn == "$${aws_iam_role.iam-role-backstop.arn}" &&
      var.config.resource.aws_scheduler_schedule.backstop.target.input == "$${jsonencode({ InstanceIds = [for k in each.value : aws_instance.seat[k].id] })}" &&
      var.config.resource.aws_scheduler_schedule.backstop.for_each == "$${local.backstop_chunks}", false)
    error_message = "the backstop schedule must ${trimprefix(var.expected_backstop_target, "arn:aws:scheduler:::aws-sdk:ec2:")} the class's VMs at ${var.expected_backstop_at} UTC"
  }

  assert {
    condition     = jsonencode(sort(flatten(values(local.backstop_chunks)))) == jsonencode(sort(var.expected_seats))
    error_message = "the backstop schedules (one per chunk of local.backstop_chunks) must cover every VM of the class exactly once"
  }

  # ---- cost tags ----------------------------------------------------------------------------------------------
  assert {
    condition     = jsonencode(try(var.config.provider.aws[0].default_tags[0].tags, {})) == jsonencode(var.expected_default_tags)
    error_message = "every resource must carry the class cost tags (provider default_tags: ${jsonencode(var.expected_default_tags)})"
  }

  assert {
    condition = alltrue([for k, i in aws_instance.seat :
      lookup(i.tags, "class", "") == var.expected_class && "${lookup(i.tags, "learner", "")}/${lookup(i.tags, "distro", "")}" == k && lookup(i.tags, "labctl-expires-at", "") == var.expected_expires_at &&
      lookup(i.volume_tags, "class", "") == var.expected_class && lookup(i.volume_tags, "learner", "") == lookup(i.tags, "learner", "")
    ])
    error_message = "VMs and their volumes must carry the class, learner, distro and labctl-expires-at tags"
  }

  # ---- inventory ----------------------------------------------------------------------------------------------
  assert {
    condition     = output.inventory.class == var.expected_class && jsonencode(sort([for h in output.inventory.hosts : "${h.learner}/${h.distro}"])) == jsonencode(sort(var.expected_seats))
    error_message = "the inventory must list every seat exactly once"
  }

  assert {
    condition     = alltrue([for h in output.inventory.hosts : h.user == var.expected_users["${h.learner}/${h.distro}"]])
    error_message = "every inventory host needs the login user of its distro (ubuntu, ec2-user, rocky)"
  }
}
