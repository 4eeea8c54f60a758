// Serverless Framework v3 plugin, two adjustments to what this service needs from v3:
//
// 1. Stack Parameters on a stage's first deployment. serverless first creates an almost empty
//    stack (its "core" template: the deployment bucket) and only then updates it to the full
//    template. provider.stackParameters go with both requests, and CloudFormation refuses parameter
//    values a template does not declare ("Parameters: [...] do not exist in the template",
//    CloudFormation API Reference, CreateStack/CreateChangeSet). This copies the full template's
//    Parameters into the core template before that first request, so `serverless deploy
//    --param=...` works on a new stage as on an existing one.
// 2. Configuration schema. serverless@3's schema predates the nodejs22.x runtime (AWS Lambda
//    Developer Guide, "Lambda runtimes") and the template's Rules section (CloudFormation User
//    Guide, "Rules syntax"), and warns about both though it passes them to CloudFormation as they
//    are; both are added to the schema, so a real configuration mistake is not lost among warnings.
//
// Packaging output is unchanged.
'use strict';

const RUNTIMES = ['nodejs22.x'];

class ServiceCompatibility {
  constructor(serverless) {
    this.serverless = serverless;
    this.extendSchema();
    this.hooks = {
      'before:aws:deploy:deploy:createStack': () => this.declareParameters(),
    };
  }

  extendSchema() {
    const schema = this.serverless.configSchemaHandler && this.serverless.configSchemaHandler.schema;
    if (!schema) return;
    const runtimes =
      schema.definitions && schema.definitions.awsLambdaRuntime && schema.definitions.awsLambdaRuntime.enum;
    if (Array.isArray(runtimes)) for (const r of RUNTIMES) if (!runtimes.includes(r)) runtimes.push(r);
    const resources = schema.properties && schema.properties.resources && schema.properties.resources.properties;
    if (resources && !resources.Rules) resources.Rules = { type: 'object' };
  }

  declareParameters() {
    const provider = this.serverless.service.provider;
    const full = provider.compiledCloudFormationTemplate;
    const core = provider.coreCloudFormationTemplate;
    if (!core || !full || !full.Parameters) return;
    core.Parameters = { ...full.Parameters, ...core.Parameters };
  }
}

module.exports = ServiceCompatibility;
