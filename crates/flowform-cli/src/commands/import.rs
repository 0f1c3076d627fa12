//! `flowform import ADDR ID`: record an existing AWS object under a configured address.

use super::Exit;
use super::aws::{Aws, runtime};
use super::context::{Context, VERSION, fail, show, state_error};
use crate::args::ImportArgs;
use flowform_core::Address;
use flowform_parser::VariableInputs;
use flowform_state::State;

pub fn run(ctx: &Context, args: &ImportArgs, inputs: &VariableInputs) -> Exit {
    let address: Address = match args.address.parse() {
        Ok(a) => a,
        Err(e) => return fail(format!("Invalid address {}", args.address), e.to_string()),
    };
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => return e,
    };
    rt.block_on(async {
        let config = match ctx.load_config(inputs) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let Some(resource) = config.resources.get(&address) else {
            if let Some(expansion) = config.blocks.get(&address.resource()).filter(|e| e.is_repeated()) {
                let example = expansion.instance_keys().into_iter().flatten().next().map(|k| format!(", such as {}", address.instance(Some(k)))).unwrap_or_default();
                return fail(format!("{address} is not an instance in the configuration"), format!("{} has count or for_each, so import into one of its instances{example}.", address.resource()));
            }
            return fail(format!("{address} is not in the configuration"), "Add its block first, then import into it.");
        };
        let (mut backend, _lock, state) = match ctx.lock_state("import", args.lock_timeout) {
            Ok(locked) => locked,
            Err(e) => return e,
        };
        let mut state = state.unwrap_or_else(|| State::new(VERSION));
        if state.resources.contains_key(&address.to_string()) {
            return fail(format!("{address} is already managed by this state"), format!("Remove it with `flowform state rm {address}` first to import another object."));
        }
        let where_to = crate::args::AwsArgs {
            sandbox: args.sandbox,
            ..Default::default()
        };
        let aws = match Aws::connect(ctx, &where_to, &config).await {
            Ok(a) => a,
            Err(e) => return e,
        };
        outln!("{address}: Importing from ID \"{}\"...", args.id);
        let provider = config.resources.get(&address).and_then(|r| r.provider.as_deref());
        let imported = match aws.clients.for_alias(provider) {
            Ok(c) => flowform_applier::import(c, &address, &args.id, &state.digest_key).await,
            Err(e) => Err(e),
        };
        aws.close().await;
        let mut record = match imported {
            Ok(r) => r,
            Err(e) => {
                show(&e.diagnostic(&address, "import"));
                return crate::commands::Exit::Error;
            }
        };
        record.dependencies = resource.references.iter().chain(&resource.depends_on).map(|a| a.to_string()).collect();
        // Read through the resource's provider configuration: recorded so that it is refreshed,
        // changed and destroyed there.
        record.provider = resource.provider.clone();
        super::plan::keep_configured_kms_arn(&config, &state, &address, &mut record);
        state.resources.insert(address.to_string(), record);
        state.flowform_version = VERSION.to_string();
        if let Err(e) = backend.persist(&state) {
            return state_error(&e);
        }
        outln!("{address}: Import prepared!\n\nImport successful!\n\nThe resource is now managed by flowform. Run `flowform plan` to see how it differs from its configuration.");
        Exit::Success
    })
}
