// Serverless Framework v3 plugin: the first deployment of a stage creates an almost empty stack
// (serverless's "core" template, the deployment bucket) and only then updates it to the full
// template. provider.stackParameters go with both requests, and CloudFormation refuses parameter
// values a template does not declare ("Parameters: [...] do not exist in the template",
// CloudFormation API Reference, CreateStack/CreateChangeSet). This copies the Parameters of the
// full template into the core template before that first request, so `serverless deploy
// --param=...` works on a new stage as on an existing one. Packaging is unchanged.
'use strict';

class StackParametersInCoreTemplate {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      'before:aws:deploy:deploy:createStack': () => this.declareParameters(),
    };
  }

  declareParameters() {
    const provider = this.serverless.service.provider;
    const full = provider.compiledCloudFormationTemplate;
    const core = provider.coreCloudFormationTemplate;
    if (!core || !full || !full.Parameters) return;
    core.Parameters = { ...full.Parameters, ...core.Parameters };
  }
}

module.exports = StackParametersInCoreTemplate;
