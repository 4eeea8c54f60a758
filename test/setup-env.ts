// Keep test output readable: the SDK's Node 20 notice and Serverless telemetry are noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.SLS_TELEMETRY_DISABLED = '1';
process.env.POWERTOOLS_DEV ??= 'false';
