// CreateStateMachine's side: a definition checked (JSON object, unique state names, Task resources this emulator
// runs, JSONPath only) and handed to aws-local-stepfunctions, with what the runner needs indexed by state name.
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { AwsServiceError } from '../core.js';
import { indexMapStates } from './limits.js';
import type { StateMachineRecord } from './records.js';
import { classifyResource } from './tasks.js';

export function buildStateMachine(
  arn: string,
  name: string,
  type: string,
  roleArn: string,
  definitionText: string,
  region: string,
): StateMachineRecord {
  let definition: StateMachineDefinition;
  try {
    definition = JSON.parse(definitionText) as StateMachineDefinition;
  } catch (e) {
    throw new AwsServiceError(
      'InvalidDefinition',
      `Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: ${(e as Error).message}'`,
    );
  }
  if (!definition || typeof definition !== 'object' || Array.isArray(definition)) {
    throw new AwsServiceError(
      'InvalidDefinition',
      "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: the definition must be a JSON object'",
    );
  }
  const tasks = new Map<string, string>();
  const waits: string[] = [];
  const retryables: string[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  const walk = (
    def: { States?: Record<string, Record<string, unknown>>; QueryLanguage?: unknown },
    path: string,
  ): void => {
    if (def.QueryLanguage === 'JSONata')
      problems.push(`UNSUPPORTED: JSONata at ${path} (the local emulator runs JSONPath only)`);
    for (const [stateName, st] of Object.entries(def.States ?? {})) {
      const where = `${path}/States/${stateName}`;
      if (seen.has(stateName)) problems.push(`DUPLICATE_STATE_NAME: ${stateName} at ${where}`);
      seen.add(stateName);
      if (st['QueryLanguage'] === 'JSONata') problems.push(`UNSUPPORTED: JSONata at ${where}`);
      if (st['Type'] === 'Task') {
        const resource = st['Resource'];
        if (typeof resource !== 'string' || !classifyResource(resource))
          problems.push(
            `INVALID_RESOURCE: '${String(resource)}' at ${where}/Resource is not supported by the local emulator`,
          );
        else tasks.set(stateName, resource);
      }
      if (st['Type'] === 'Wait') waits.push(stateName);
      if (Array.isArray(st['Retry'])) retryables.push(stateName);
      if (st['Type'] === 'Parallel' && Array.isArray(st['Branches']))
        (st['Branches'] as object[]).forEach((b, i) => walk(b as never, `${where}/Branches[${i}]`));
      if (st['Type'] === 'Map') {
        const proc = (st['ItemProcessor'] ?? st['Iterator']) as object | undefined;
        if (proc) walk(proc as never, `${where}/ItemProcessor`);
        const mode = (st['ItemProcessor'] as { ProcessorConfig?: { Mode?: string } } | undefined)?.ProcessorConfig
          ?.Mode;
        if (mode === 'DISTRIBUTED') problems.push(`UNSUPPORTED: distributed Map at ${where}`);
      }
    }
  };
  walk(definition as never, '');
  if (problems.length > 0)
    throw new AwsServiceError('InvalidDefinition', `Invalid State Machine Definition: '${problems.join(', ')}'`);
  let machine: StateMachine;
  try {
    const engineDefinition = withTaskTimeouts(definition);
    machine = new StateMachine(engineDefinition, { awsConfig: { region } });
    indexMapStates(engineDefinition as never);
  } catch (e) {
    const text = (e as Error).message.replace(/^State machine definition is invalid, see error\(s\) below:\s*/, '');
    throw new AwsServiceError(
      'InvalidDefinition',
      `Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: ${text.trim()}'`,
    );
  }
  return {
    arn,
    name,
    type,
    roleArn,
    definitionText,
    definition,
    machine,
    creationDate: Date.now(),
    tasks,
    waits,
    retryables,
  };
}

/**
 * AWS's default Task timeout is 99999999 s ("Task" state reference); aws-local-stepfunctions defaults to 60 s, which
 * would cut long startExecution.sync children short. Tasks without a timeout get the longest a Node timer allows.
 */
const NODE_MAX_TIMER_SECONDS = Math.floor(2 ** 31 / 1000) - 1;
function withTaskTimeouts(definition: StateMachineDefinition): StateMachineDefinition {
  // JSON copy, not structuredClone: under jest's VM realm a structured clone's objects fail the library's
  // plain-object checks and nested Parameters templates would go unevaluated.
  const copy = JSON.parse(JSON.stringify(definition)) as { States?: Record<string, Record<string, unknown>> };
  const visit = (def: { States?: Record<string, Record<string, unknown>> }): void => {
    for (const st of Object.values(def.States ?? {})) {
      if (st['Type'] === 'Task' && st['TimeoutSeconds'] === undefined && st['TimeoutSecondsPath'] === undefined) {
        st['TimeoutSeconds'] = NODE_MAX_TIMER_SECONDS;
      }
      if (st['Type'] === 'Parallel' && Array.isArray(st['Branches']))
        for (const b of st['Branches'] as object[]) visit(b as never);
      if (st['Type'] === 'Map') {
        const proc = (st['ItemProcessor'] ?? st['Iterator']) as object | undefined;
        if (proc) visit(proc as never);
      }
    }
  };
  visit(copy);
  return copy as unknown as StateMachineDefinition;
}
