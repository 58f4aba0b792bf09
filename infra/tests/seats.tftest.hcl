# One VM per learner per distro, tagged for cost allocation, and an inventory output that lists every one.
# Expectations (var.*) come from classroom.auto.tfvars.json, written from classroom.yaml by `labctl classroom test`.

mock_provider "aws" {
  mock_data "aws_ami" {
    defaults = {
      id           = "ami-0123456789abcdef0"
      architecture = "x86_64"
    }
  }
}

# One run: every run block starts the provider again, which costs seconds.
run "seats_and_inventory" {
  command = apply

  assert {
    condition     = sort(keys(local.instances)) == sort(var.expected_seats)
    error_message = "VMs (${join(", ", sort(keys(local.instances)))}) differ from learners x distros (${join(", ", sort(var.expected_seats))})"
  }

  assert {
    condition     = length(distinct([for k, i in local.instances : i.id])) == length(var.expected_seats)
    error_message = "two seats share one VM"
  }

  assert {
    condition     = alltrue([for k, i in local.instances : "${i.tags.learner}/${i.tags.distro}" == k])
    error_message = "each VM's learner and distro tags must match its seat"
  }

  assert {
    condition = alltrue([for k, i in local.instances :
      i.tags.class == var.expected_class && i.volume_tags.class == var.expected_class && i.volume_tags.learner == i.tags.learner
    ])
    error_message = "VMs and their volumes must carry the class, learner and distro cost-allocation tags"
  }

  assert {
    condition     = output.inventory.class == var.expected_class
    error_message = "inventory.class must be the class name"
  }

  assert {
    condition     = sort([for h in output.inventory.hosts : "${h.learner}/${h.distro}"]) == sort(var.expected_seats)
    error_message = "the inventory must list every seat exactly once"
  }

  assert {
    condition = alltrue([for h in output.inventory.hosts :
      h.host != "" && h.instanceId == local.instances["${h.learner}/${h.distro}"].id
    ])
    error_message = "every inventory host needs an address and the id of its own VM"
  }

  assert {
    condition     = alltrue([for h in output.inventory.hosts : h.user == var.expected_users["${h.learner}/${h.distro}"]])
    error_message = "every inventory host needs the login user of its distro (ubuntu, ec2-user, rocky)"
  }
}
