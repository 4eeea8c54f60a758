// CreateStateMachine's side: a definition checked (JSON object, unique state names, Task resources this emulator
// runs, JSONPath only) and handed to aws-local-stepfunctions, with what the runner needs indexed by state name.
// A Distributed Map state (distributed-map.ts) reaches the engine as a Task state that the runner handles; its
// ItemProcessor becomes a state machine record of its own, which the child executions run.
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { AwsServiceError } from '../core.js';
import { MAX_CHILD_CONCURRENCY, type DistributedMapSpec } from './distributed-map.js';
import { indexMapStates } from './limits.js';
import type { Json, StateMachineRecord } from './records.js';
import { classifyResource } from './tasks.js';

/**
 * The characters a state machine or execution name must not contain (API_StartExecution and
 * API_CreateStateMachine, `name`): white space, brackets `< > { } [ ]`, wildcards `? *`, the specials
 * `" # % \ ^ | ~ ` $ & , ; : /`, control characters (U+0000-001F, U+007F-009F), U+FFFE-FFFF and
 * surrogates (U+D800-DFFF). Such a name is InvalidName. A Distributed Map's Label follows the same rule
 * ("Map state in Distributed mode", Label: at most 40 characters).
 */
export const NAME_FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f\ufffe\uffff\ud800-\udfff]/;

/**
 * The resources a Distributed Map's ItemReader may name here, with the ReaderConfig fields each takes ("ItemReader
 * (Map)"): the bucket listing, or a JSON file in S3 (`s3:getObject` with ReaderConfig InputType JSON).
 */
const ITEM_READERS: Readonly<Record<string, readonly string[]>> = {
  'arn:aws:states:::s3:listObjectsV2': ['MaxItems'],
  'arn:aws:states:::s3:getObject': ['InputType', 'MaxItems'],
};
const RESULT_WRITER = 'arn:aws:states:::s3:putObject';
/** What runs a Distributed Map state in the engine's copy of the definition (never a user-visible resource). */
const DISTRIBUTED_MAP_TASK = 'arn:aws:states:::local:distributedMap';
/** Fields of a Map state that carry over to the Task state standing in for it. */
const KEPT_FIELDS = [
  'Comment',
  'InputPath',
  'ResultSelector',
  'ResultPath',
  'OutputPath',
  'Retry',
  'Catch',
  'Next',
  'End',
];
/** Distributed Map fields this emulator does not run: refused rather than ignored. */
const UNSUPPORTED_FIELDS = [
  'ItemBatcher',
  'MaxConcurrencyPath',
  'ToleratedFailurePercentagePath',
  'ToleratedFailureCountPath',
  'Iterator',
];

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
  const distributed: { stateName: string; st: Record<string, unknown>; where: string }[] = [];
  // `collect` false: a Distributed Map's ItemProcessor, whose states are checked here (names are unique across the
  // whole definition) but run by the child state machine.
  const walk = (
    def: { States?: Record<string, Record<string, unknown>>; QueryLanguage?: unknown },
    path: string,
    collect = true,
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
        else if (collect) tasks.set(stateName, resource);
      }
      if (collect && st['Type'] === 'Wait') waits.push(stateName);
      if (collect && Array.isArray(st['Retry'])) retryables.push(stateName);
      if (st['Type'] === 'Parallel' && Array.isArray(st['Branches']))
        (st['Branches'] as object[]).forEach((b, i) => walk(b as never, `${where}/Branches[${i}]`, collect));
      if (st['Type'] === 'Map') {
        const proc = (st['ItemProcessor'] ?? st['Iterator']) as object | undefined;
        const mode = (st['ItemProcessor'] as { ProcessorConfig?: { Mode?: string } } | undefined)?.ProcessorConfig
          ?.Mode;
        if (mode === 'DISTRIBUTED') {
          problems.push(...distributedProblems(st, where));
          if (proc) walk(proc as never, `${where}/ItemProcessor`, false);
          if (collect) distributed.push({ stateName, st, where });
        } else if (proc) walk(proc as never, `${where}/ItemProcessor`, collect);
      }
    }
  };
  walk(definition as never, '');
  if (problems.length > 0)
    throw new AwsServiceError('InvalidDefinition', `Invalid State Machine Definition: '${problems.join(', ')}'`);
  const distributedMaps = new Map<string, DistributedMapSpec>();
  for (const { stateName, st } of distributed) {
    const spec = distributedSpec(stateName, st, arn, name, type, roleArn, region);
    distributedMaps.set(stateName, spec);
    tasks.set(stateName, DISTRIBUTED_MAP_TASK);
    if (Array.isArray(st['Retry'])) retryables.push(stateName);
  }
  let machine: StateMachine;
  try {
    const engineDefinition = engineCopy(definition, distributedMaps);
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
    distributedMaps,
  };
}

/** What is wrong with a Distributed Map state for this emulator (or for AWS: "Map state in Distributed mode"). */
function distributedProblems(st: Record<string, unknown>, where: string): string[] {
  const problems: string[] = [];
  const proc = st['ItemProcessor'] as { ProcessorConfig?: { ExecutionType?: unknown } };
  const executionType = proc.ProcessorConfig?.ExecutionType;
  if (executionType !== 'STANDARD' && executionType !== 'EXPRESS')
    problems.push(
      `SCHEMA_VALIDATION_FAILED: ExecutionType must be STANDARD or EXPRESS at ${where}/ItemProcessor/ProcessorConfig`,
    );
  for (const f of UNSUPPORTED_FIELDS)
    if (st[f] !== undefined)
      problems.push(`UNSUPPORTED: ${f} of a distributed Map at ${where}/${f} (the local emulator does not run it)`);
  const reader = st['ItemReader'] as { Resource?: unknown; ReaderConfig?: Record<string, unknown> } | undefined;
  if (reader !== undefined) {
    const config = ITEM_READERS[String(reader.Resource)];
    if (!config)
      problems.push(
        `UNSUPPORTED: ItemReader resource '${String(reader.Resource)}' at ${where}/ItemReader/Resource (the local emulator reads ${Object.keys(ITEM_READERS).join(' and ')} only)`,
      );
    for (const k of Object.keys(reader.ReaderConfig ?? {}))
      if (config && !config.includes(k))
        problems.push(`UNSUPPORTED: ReaderConfig.${k} at ${where}/ItemReader/ReaderConfig`);
    // A JSON file is read as one array of items; CSV, JSONL, manifests and ItemsPointer are not emulated.
    if (reader.Resource === 'arn:aws:states:::s3:getObject' && reader.ReaderConfig?.['InputType'] !== 'JSON')
      problems.push(
        `UNSUPPORTED: ReaderConfig.InputType '${String(reader.ReaderConfig?.['InputType'])}' at ${where}/ItemReader/ReaderConfig (the local emulator reads JSON files only)`,
      );
  }
  const writer = st['ResultWriter'] as { Resource?: unknown; WriterConfig?: unknown } | undefined;
  if (writer !== undefined) {
    if (writer.Resource !== RESULT_WRITER)
      problems.push(
        `UNSUPPORTED: ResultWriter resource '${String(writer.Resource)}' at ${where}/ResultWriter/Resource (the local emulator writes with ${RESULT_WRITER} only)`,
      );
    if (writer.WriterConfig !== undefined)
      problems.push(`UNSUPPORTED: WriterConfig at ${where}/ResultWriter/WriterConfig`);
  }
  const label = st['Label'];
  if (
    label !== undefined &&
    (typeof label !== 'string' || label.length < 1 || label.length > 40 || NAME_FORBIDDEN.test(label))
  )
    problems.push(
      `SCHEMA_VALIDATION_FAILED: Label '${String(label)}' at ${where}/Label (1 to 40 characters, none of those a name forbids)`,
    );
  const int = (f: string, max: number) => {
    const v = st[f];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max))
      problems.push(`SCHEMA_VALIDATION_FAILED: ${f} must be an integer from 0 to ${max} at ${where}/${f}`);
  };
  int('MaxConcurrency', MAX_CHILD_CONCURRENCY);
  int('ToleratedFailureCount', Number.MAX_SAFE_INTEGER);
  const pct = st['ToleratedFailurePercentage'];
  if (pct !== undefined && (typeof pct !== 'number' || pct < 0 || pct > 100))
    problems.push(
      `SCHEMA_VALIDATION_FAILED: ToleratedFailurePercentage must be from 0 to 100 at ${where}/ToleratedFailurePercentage`,
    );
  return problems;
}

function distributedSpec(
  stateName: string,
  st: Record<string, unknown>,
  parentArn: string,
  parentName: string,
  type: string,
  roleArn: string,
  region: string,
): DistributedMapSpec {
  const proc = st['ItemProcessor'] as { ProcessorConfig?: unknown; StartAt: string; States: object };
  const { ProcessorConfig: _config, ...processorDefinition } = proc;
  void _config;
  // Label: when absent, the state's name identifies the Map Run (truncated to the Label's 40 characters).
  const label = typeof st['Label'] === 'string' ? st['Label'] : stateName.slice(0, 40);
  const reader = st['ItemReader'] as
    { Resource: string; Parameters?: Json; ReaderConfig?: { MaxItems?: number } } | undefined;
  const writer = st['ResultWriter'] as { Parameters?: Json } | undefined;
  const selector = (st['ItemSelector'] ?? st['Parameters']) as Json | undefined;
  return {
    stateName,
    label,
    itemsPath: typeof st['ItemsPath'] === 'string' ? st['ItemsPath'] : '$',
    ...(selector !== undefined ? { itemSelector: selector } : {}),
    ...(reader
      ? {
          itemReader: {
            resource: reader.Resource,
            parameters: reader.Parameters ?? {},
            ...(reader.ReaderConfig?.MaxItems !== undefined ? { maxItems: reader.ReaderConfig.MaxItems } : {}),
          },
        }
      : {}),
    ...(writer ? { resultWriter: { parameters: writer.Parameters ?? {} } } : {}),
    maxConcurrency: (st['MaxConcurrency'] as number | undefined) ?? 0,
    toleratedFailurePercentage: (st['ToleratedFailurePercentage'] as number | undefined) ?? 0,
    toleratedFailureCount: (st['ToleratedFailureCount'] as number | undefined) ?? 0,
    processor: buildStateMachine(
      `${parentArn}/${label}`,
      `${parentName}/${label}`,
      type,
      roleArn,
      JSON.stringify(processorDefinition),
      region,
    ),
  };
}

/**
 * The engine's copy of a definition. AWS's default Task timeout is 99999999 s ("Task" state reference);
 * aws-local-stepfunctions defaults to 60 s, which would cut long startExecution.sync children short, so tasks without
 * a timeout get the longest a Node timer allows. Each Distributed Map state becomes a Task state run by
 * distributed-map.ts, keeping the fields a Task shares with a Map.
 */
const NODE_MAX_TIMER_SECONDS = Math.floor(2 ** 31 / 1000) - 1;
function engineCopy(
  definition: StateMachineDefinition,
  distributedMaps: ReadonlyMap<string, DistributedMapSpec>,
): StateMachineDefinition {
  // JSON copy, not structuredClone: under jest's VM realm a structured clone's objects fail the library's
  // plain-object checks and nested Parameters templates would go unevaluated.
  const copy = JSON.parse(JSON.stringify(definition)) as { States?: Record<string, Record<string, unknown>> };
  const visit = (def: { States?: Record<string, Record<string, unknown>> }): void => {
    const states = def.States ?? {};
    for (const name of Object.keys(states)) {
      if (distributedMaps.has(name)) {
        const map = states[name]!;
        states[name] = {
          Type: 'Task',
          Resource: DISTRIBUTED_MAP_TASK,
          ...Object.fromEntries(KEPT_FIELDS.filter((f) => map[f] !== undefined).map((f) => [f, map[f]])),
        };
      }
    }
    for (const st of Object.values(states)) {
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
