// Emulated Amazon EventBridge: rules on event buses, targets, PutEvents, event-pattern matching,
// and delivery to in-process target handlers keyed by target ARN.
//
// API reference: https://docs.aws.amazon.com/eventbridge/latest/APIReference/ (operation pages
// cited per operation). Event patterns, as the User Guide's "Content filtering" describes them,
// are parsed and matched in eventbridge/pattern.ts.
//
// Delivery is asynchronous, as in AWS: PutEvents answers first. `settled()` waits for deliveries in
// flight; `deliveries` records each one (with the handler's error, if any).
import { EventEmitter } from 'node:events';
import { AwsServiceError, LOCAL_ACCOUNT_ID, LOCAL_REGION, type JsonService, type RequestContext } from './core.js';
import { buildArn, parseArn, uuid } from './arn.js';
import { PageTokens, pageSize } from './pagination.js';
import { matchPattern, parsePattern, type Pattern } from './eventbridge/pattern.js';

/** An event as EventBridge delivers it to targets (User Guide, "Amazon EventBridge events"). */
export interface EventBridgeEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Record<string, unknown>;
}

export interface Target {
  readonly Id: string;
  readonly Arn: string;
  readonly RoleArn?: string;
  readonly Input?: string;
  readonly InputPath?: string;
  readonly InputTransformer?: { readonly InputPathsMap?: Record<string, string>; readonly InputTemplate: string };
}

export interface TargetInvocation {
  readonly event: EventBridgeEvent;
  readonly ruleArn: string;
  readonly target: Target;
}

/** Receives the (possibly transformed) input of a target. */
export type TargetHandler = (input: unknown, invocation: TargetInvocation) => unknown;

export interface Delivery extends TargetInvocation {
  readonly input: unknown;
  readonly ok: boolean;
  readonly error?: string;
}

interface Rule {
  Name: string;
  Arn: string;
  EventBusName: string;
  EventPattern?: string;
  pattern?: Pattern;
  ScheduleExpression?: string;
  State: string;
  Description?: string;
  RoleArn?: string;
  targets: Map<string, Target>;
}

const NAME_RE = /^[.\-_A-Za-z0-9]{1,64}$/;
const SCHEDULE_RE = /^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\([^)]+\))$/;
const ROLE_TARGETS = ['states', 'kinesis', 'firehose', 'ecs', 'codebuild', 'codepipeline'];
const STATES = ['ENABLED', 'DISABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS'];

function validation(message: string): AwsServiceError {
  return new AwsServiceError('ValidationException', message);
}

export class EventBridgeEmulator {
  /** rules by `${account}/${region}/${bus}/${name}` */
  private readonly rules = new Map<string, Rule>();
  private readonly exactHandlers = new Map<string, TargetHandler>();
  private readonly patternHandlers: { re: RegExp; pattern: string; handler: TargetHandler }[] = [];
  private readonly pending = new Set<Promise<void>>();
  private readonly emitter = new EventEmitter();
  private readonly tokens = new PageTokens();
  /** Every delivery attempted so far, oldest first. */
  readonly deliveries: Delivery[] = [];

  readonly service: JsonService = {
    signingName: 'events',
    targetPrefix: 'AWSEvents',
    operations: {
      PutRule: (i, c) => this.putRule(i, c),
      DescribeRule: (i, c) => this.describeRule(i, c),
      DeleteRule: (i, c) => this.deleteRule(i, c),
      ListRules: (i, c) => this.listRules(i, c),
      EnableRule: (i, c) => this.setState(i, c, 'ENABLED'),
      DisableRule: (i, c) => this.setState(i, c, 'DISABLED'),
      PutTargets: (i, c) => this.putTargets(i, c),
      RemoveTargets: (i, c) => this.removeTargets(i, c),
      ListTargetsByRule: (i, c) => this.listTargetsByRule(i, c),
      PutEvents: (i, c) => this.putEvents(i, c),
      TestEventPattern: (i) => this.testEventPattern(i),
    },
  };

  /**
   * Registers the handler for a target ARN. `*` in the ARN matches any characters, e.g.
   * `arn:aws:states:*:*:stateMachine:*`. Exact ARNs win over patterns. Returns an unregister function.
   */
  registerTarget(arnOrPattern: string, handler: TargetHandler): () => void {
    if (arnOrPattern.includes('*')) {
      const entry = { re: globToRegExp(arnOrPattern), pattern: arnOrPattern, handler };
      this.patternHandlers.push(entry);
      return () => {
        const i = this.patternHandlers.indexOf(entry);
        if (i >= 0) this.patternHandlers.splice(i, 1);
      };
    }
    this.exactHandlers.set(arnOrPattern, handler);
    return () => this.exactHandlers.delete(arnOrPattern);
  }

  /** Called after each delivery. */
  onDelivery(listener: (d: Delivery) => void): () => void {
    this.emitter.on('delivery', listener);
    return () => this.emitter.off('delivery', listener);
  }

  /** Resolves when every delivery started so far (and any they caused) has finished. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /**
   * Puts a complete event on a bus (in-process; no PutEvents validation, so `aws.*` sources are
   * allowed: this is how the S3 integration and scheduled rules publish). Returns the event.
   */
  publish(
    event: Omit<EventBridgeEvent, 'version' | 'id' | 'time' | 'account' | 'region' | 'resources'> &
      Partial<EventBridgeEvent>,
    eventBusName = 'default',
  ): EventBridgeEvent {
    const full: EventBridgeEvent = {
      version: '0',
      id: event.id ?? uuid(),
      'detail-type': event['detail-type'],
      source: event.source,
      account: event.account ?? LOCAL_ACCOUNT_ID,
      time: event.time ?? isoSeconds(new Date()),
      region: event.region ?? LOCAL_REGION,
      resources: event.resources ?? [],
      detail: event.detail,
    };
    this.route(full, eventBusName);
    return full;
  }

  /** Fires a scheduled rule now (EventBridge's "Scheduled Event"; schedules are not run on a clock here). */
  triggerSchedule(
    ruleName: string,
    opts: { region?: string; accountId?: string; eventBusName?: string } = {},
  ): EventBridgeEvent {
    const region = opts.region ?? LOCAL_REGION;
    const accountId = opts.accountId ?? LOCAL_ACCOUNT_ID;
    const rule = this.rules.get(ruleKey(accountId, region, opts.eventBusName ?? 'default', ruleName));
    if (!rule?.ScheduleExpression) throw new Error(`no scheduled rule ${ruleName}`);
    const event: EventBridgeEvent = {
      version: '0',
      id: uuid(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: accountId,
      time: isoSeconds(new Date()),
      region,
      resources: [rule.Arn],
      detail: {},
    };
    if (rule.State !== 'DISABLED') this.deliver(rule, event);
    return event;
  }

  // ---- routing and delivery ----

  private route(event: EventBridgeEvent, bus: string): void {
    for (const rule of this.rules.values()) {
      if (rule.EventBusName !== bus || rule.State === 'DISABLED' || !rule.pattern) continue;
      if (!inRegion(rule.Arn, event.region, event.account)) continue;
      if (matchPattern(rule.pattern, event)) this.deliver(rule, event);
    }
  }

  private handlerFor(arn: string): TargetHandler | undefined {
    return this.exactHandlers.get(arn) ?? this.patternHandlers.find((h) => h.re.test(arn))?.handler;
  }

  private deliver(rule: Rule, event: EventBridgeEvent): void {
    for (const target of rule.targets.values()) {
      const invocation: TargetInvocation = { event, ruleArn: rule.Arn, target };
      const p = (async () => {
        await new Promise((r) => setImmediate(r));
        let input: unknown;
        let error: string | undefined;
        try {
          input = transformInput(target, event);
          const handler = this.handlerFor(target.Arn);
          if (!handler) throw new Error(`no local handler registered for target ${target.Arn}`);
          await handler(input, invocation);
        } catch (e) {
          error = (e as Error)?.message ?? String(e);
        }
        const d: Delivery = {
          ...invocation,
          input,
          ok: error === undefined,
          ...(error !== undefined ? { error } : {}),
        };
        this.deliveries.push(d);
        this.emitter.emit('delivery', d);
      })();
      this.pending.add(p);
      void p.finally(() => this.pending.delete(p));
    }
  }

  // ---- operations ----

  private busName(input: { EventBusName?: unknown }): string {
    const v = input.EventBusName;
    if (v === undefined) return 'default';
    if (typeof v !== 'string') throw validation('EventBusName must be a string.');
    const arn = parseArn(v);
    const name = arn ? arn.resource.replace(/^event-bus\//, '') : v;
    // Only the default bus exists here (CreateEventBus is not emulated).
    if (name !== 'default') throw new AwsServiceError('ResourceNotFoundException', `Event bus ${name} does not exist.`);
    return name;
  }

  private getRule(name: unknown, bus: string, ctx: RequestContext): Rule {
    if (typeof name !== 'string' || !NAME_RE.test(name))
      throw validation(
        `1 validation error detected: Value '${String(name)}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+`,
      );
    const rule = this.rules.get(ruleKey(ctx.accountId, ctx.region, bus, name));
    if (!rule)
      throw new AwsServiceError('ResourceNotFoundException', `Rule ${name} does not exist on EventBus ${bus}.`);
    return rule;
  }

  // PutRule: https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html
  // Creates or updates (targets are kept). Needs EventPattern or ScheduleExpression; schedules only
  // on the default bus. Errors: ValidationException, InvalidEventPatternException, ResourceNotFoundException.
  private putRule(input: Record<string, unknown>, ctx: RequestContext): unknown {
    const bus = this.busName(input);
    const name = input.Name;
    if (typeof name !== 'string' || !NAME_RE.test(name))
      throw validation(
        `1 validation error detected: Value '${String(name)}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+`,
      );
    if (input.EventPattern === undefined && input.ScheduleExpression === undefined)
      throw validation('Parameter(s) EventPattern or ScheduleExpression must be specified.');
    let pattern: Pattern | undefined;
    if (input.EventPattern !== undefined) pattern = parsePattern(input.EventPattern);
    if (
      input.ScheduleExpression !== undefined &&
      (typeof input.ScheduleExpression !== 'string' || !SCHEDULE_RE.test(input.ScheduleExpression))
    ) {
      throw validation('Parameter ScheduleExpression is not valid.');
    }
    const state = (input.State as string | undefined) ?? 'ENABLED';
    if (!STATES.includes(state))
      throw validation(
        `1 validation error detected: Value '${state}' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [${STATES.join(', ')}]`,
      );
    const key = ruleKey(ctx.accountId, ctx.region, bus, name);
    const existing = this.rules.get(key);
    const rule: Rule = {
      Name: name,
      Arn: buildArn('events', ctx.region, ctx.accountId, bus === 'default' ? `rule/${name}` : `rule/${bus}/${name}`),
      EventBusName: bus,
      ...(typeof input.EventPattern === 'string' ? { EventPattern: input.EventPattern, pattern: pattern! } : {}),
      ...(typeof input.ScheduleExpression === 'string' ? { ScheduleExpression: input.ScheduleExpression } : {}),
      State: state,
      ...(typeof input.Description === 'string' ? { Description: input.Description } : {}),
      ...(typeof input.RoleArn === 'string' ? { RoleArn: input.RoleArn } : {}),
      targets: existing?.targets ?? new Map(),
    };
    this.rules.set(key, rule);
    return { RuleArn: rule.Arn };
  }

  private static ruleOut(r: Rule): Record<string, unknown> {
    return {
      Name: r.Name,
      Arn: r.Arn,
      ...(r.EventPattern !== undefined ? { EventPattern: r.EventPattern } : {}),
      ...(r.ScheduleExpression !== undefined ? { ScheduleExpression: r.ScheduleExpression } : {}),
      State: r.State,
      ...(r.Description !== undefined ? { Description: r.Description } : {}),
      ...(r.RoleArn !== undefined ? { RoleArn: r.RoleArn } : {}),
      EventBusName: r.EventBusName,
    };
  }

  // DescribeRule: https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_DescribeRule.html
  private describeRule(input: { Name?: unknown; EventBusName?: unknown }, ctx: RequestContext): unknown {
    const rule = this.getRule(input.Name, this.busName(input), ctx);
    return { ...EventBridgeEmulator.ruleOut(rule), CreatedBy: ctx.accountId };
  }

  // DeleteRule: https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_DeleteRule.html
  // "You must remove all targets from a rule ... before you can delete the rule"; deleting a rule
  // that does not exist succeeds ("If you call delete rule multiple times for the same rule, all
  // calls will succeed").
  private deleteRule(input: { Name?: unknown; EventBusName?: unknown; Force?: boolean }, ctx: RequestContext): unknown {
    const bus = this.busName(input);
    const key = ruleKey(ctx.accountId, ctx.region, bus, String(input.Name));
    const rule = this.rules.get(key);
    if (!rule) return {};
    if (rule.targets.size > 0) throw validation("Rule can't be deleted since it has targets.");
    this.rules.delete(key);
    return {};
  }

  /**
   * A page of a listing: Limit 1-100 (default 100; botocore's LimitMax100), NextToken from the same
   * listing. The API references list no error for a bad token; ValidationException, the common
   * error of an invalid parameter (CommonErrors), is this emulator's choice.
   */
  private page(
    items: readonly unknown[],
    input: { Limit?: number; NextToken?: string },
    listing: string,
    field: string,
  ): Record<string, unknown> {
    const size = pageSize(input.Limit, { min: 1, max: 100, default: 100 }, (v) =>
      validation(
        `1 validation error detected: Value '${String(v)}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100`,
      ),
    );
    const { items: page, next } = this.tokens.page(items, {
      listing,
      size,
      token: input.NextToken,
      invalid: () => validation('The NextToken is not valid.'),
    });
    return { [field]: page, ...(next ? { NextToken: next } : {}) };
  }

  // ListRules: https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_ListRules.html
  // NamePrefix, Limit (1-100), NextToken.
  private listRules(
    input: { NamePrefix?: string; EventBusName?: unknown; Limit?: number; NextToken?: string },
    ctx: RequestContext,
  ): unknown {
    const bus = this.busName(input);
    const rules = [...this.rules.values()]
      .filter((r) => r.EventBusName === bus && inRegion(r.Arn, ctx.region, ctx.accountId))
      .filter((r) => input.NamePrefix === undefined || r.Name.startsWith(input.NamePrefix))
      .sort((a, b) => a.Name.localeCompare(b.Name));
    const listing = `ListRules:${ctx.region}:${ctx.accountId}:${bus}:${input.NamePrefix ?? ''}`;
    return this.page(rules.map(EventBridgeEmulator.ruleOut), input, listing, 'Rules');
  }

  // EnableRule / DisableRule: https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_EnableRule.html
  private setState(input: { Name?: unknown; EventBusName?: unknown }, ctx: RequestContext, state: string): unknown {
    this.getRule(input.Name, this.busName(input), ctx).State = state;
    return {};
  }

  // PutTargets: https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutTargets.html
  // 1-10 targets per call, at most 5 per rule (LimitExceededException); an existing Id is replaced.
  // Input, InputPath and InputTransformer are mutually exclusive (per-entry failure).
  private putTargets(
    input: { Rule?: unknown; EventBusName?: unknown; Targets?: unknown },
    ctx: RequestContext,
  ): unknown {
    const rule = this.getRule(input.Rule, this.busName(input), ctx);
    const targets = input.Targets;
    if (!Array.isArray(targets) || targets.length < 1 || targets.length > 10)
      throw validation(
        "1 validation error detected: Value at 'targets' failed to satisfy constraint: Member must have length between 1 and 10",
      );
    const failed: { TargetId: string; ErrorCode: string; ErrorMessage: string }[] = [];
    const ok: Target[] = [];
    for (const t of targets as Target[]) {
      if (typeof t.Id !== 'string' || !/^[.\-_A-Za-z0-9]{1,64}$/.test(t.Id))
        throw validation(
          `1 validation error detected: Value '${String(t.Id)}' at 'targets.1.member.id' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+`,
        );
      if (typeof t.Arn !== 'string' || !parseArn(t.Arn))
        throw validation(`Parameter ${String(t.Arn)} is not valid. Reason: Provided Arn is not in correct format.`);
      // Targets EventBridge invokes through a role (User Guide, "IAM roles for sending events to
      // targets": Step Functions, Kinesis, Firehose, ECS, CodeBuild, CodePipeline) need RoleArn.
      const targetService = parseArn(t.Arn)?.service ?? '';
      if (ROLE_TARGETS.includes(targetService) && typeof t.RoleArn !== 'string') {
        throw validation(`RoleArn is required for target ${t.Arn}.`);
      }
      const inputs = [t.Input, t.InputPath, t.InputTransformer].filter((x) => x !== undefined).length;
      if (inputs > 1) {
        failed.push({
          TargetId: t.Id,
          ErrorCode: 'ValidationException',
          ErrorMessage: 'Only one of Input, InputPath, or InputTransformer must be provided.',
        });
        continue;
      }
      if (t.Input !== undefined) {
        try {
          JSON.parse(t.Input);
        } catch {
          throw validation('Input is not valid JSON.');
        }
      }
      ok.push(t);
    }
    const ids = new Set([...rule.targets.keys(), ...ok.map((t) => t.Id)]);
    if (ids.size > 5)
      throw new AwsServiceError('LimitExceededException', 'The requested resource exceeds the maximum number allowed.');
    for (const t of ok) rule.targets.set(t.Id, { ...t });
    return { FailedEntryCount: failed.length, FailedEntries: failed };
  }

  // RemoveTargets: https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_RemoveTargets.html
  private removeTargets(
    input: { Rule?: unknown; EventBusName?: unknown; Ids?: unknown },
    ctx: RequestContext,
  ): unknown {
    const rule = this.getRule(input.Rule, this.busName(input), ctx);
    if (!Array.isArray(input.Ids) || input.Ids.length < 1 || input.Ids.length > 100)
      throw validation(
        "1 validation error detected: Value at 'ids' failed to satisfy constraint: Member must have length between 1 and 100",
      );
    for (const id of input.Ids as string[]) rule.targets.delete(id);
    return { FailedEntryCount: 0, FailedEntries: [] };
  }

  // ListTargetsByRule: https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_ListTargetsByRule.html
  private listTargetsByRule(
    input: { Rule?: unknown; EventBusName?: unknown; Limit?: number; NextToken?: string },
    ctx: RequestContext,
  ): unknown {
    const rule = this.getRule(input.Rule, this.busName(input), ctx);
    return this.page([...rule.targets.values()], input, `ListTargetsByRule:${rule.Arn}`, 'Targets');
  }

  // PutEvents: https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
  // 1-10 entries. Per-entry failures (ErrorCode/ErrorMessage, counted in FailedEntryCount):
  // missing Source/DetailType/Detail (InvalidArgument), Detail not a JSON object (MalformedDetail),
  // `aws.` sources (NotAuthorizedForSourceException). Entries and results keep their order.
  // Size: "The maximum size for a PutEvents event entry is 256 KB" (API reference) and "The total entry size must
  // be less than 256KB" (User Guide, "Calculating PutEvents event entry size", which gives the formula: see
  // putEventsEntrySize). A request over it is refused as a whole, before any entry is put.
  private putEvents(input: { Entries?: unknown }, ctx: RequestContext): unknown {
    const entries = input.Entries;
    if (!Array.isArray(entries) || entries.length < 1 || entries.length > 10)
      throw validation(
        "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10",
      );
    const total = (entries as Record<string, unknown>[]).reduce((n, e) => n + putEventsEntrySize(e), 0);
    if (total > PUT_EVENTS_MAX_BYTES) throw validation('Total size of the entries in the request is over the limit.');
    const results: Record<string, string>[] = [];
    let failed = 0;
    for (const e of entries as Record<string, unknown>[]) {
      const fail = (ErrorCode: string, ErrorMessage: string) => {
        failed++;
        results.push({ ErrorCode, ErrorMessage });
      };
      if (typeof e.Source !== 'string' || e.Source === '') {
        fail('InvalidArgument', 'Parameter Source is not valid. Reason: Source is a required argument.');
        continue;
      }
      if (typeof e.DetailType !== 'string' || e.DetailType === '') {
        fail('InvalidArgument', 'Parameter DetailType is not valid. Reason: DetailType is a required argument.');
        continue;
      }
      if (typeof e.Detail !== 'string' || e.Detail === '') {
        fail('InvalidArgument', 'Parameter Detail is not valid. Reason: Detail is a required argument.');
        continue;
      }
      let detail: unknown;
      try {
        detail = JSON.parse(e.Detail);
      } catch {
        detail = undefined;
      }
      if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
        fail('MalformedDetail', 'Detail is malformed.');
        continue;
      }
      if (e.Source.startsWith('aws.')) {
        fail('NotAuthorizedForSourceException', 'Not authorized for the source.');
        continue;
      }
      let bus: string;
      try {
        bus = this.busName(e);
      } catch (x) {
        fail('InvalidArgument', (x as Error).message);
        continue;
      }
      const time = e.Time !== undefined ? new Date(Number(e.Time) * 1000) : new Date();
      const event = this.publish(
        {
          source: e.Source,
          'detail-type': e.DetailType,
          detail: detail as Record<string, unknown>,
          resources: Array.isArray(e.Resources) ? (e.Resources as string[]) : [],
          account: ctx.accountId,
          region: ctx.region,
          time: isoSeconds(time),
        },
        bus,
      );
      results.push({ EventId: event.id });
    }
    return { FailedEntryCount: failed, Entries: results };
  }

  // TestEventPattern: https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_TestEventPattern.html
  private testEventPattern(input: { EventPattern?: unknown; Event?: unknown }): unknown {
    const pattern = parsePattern(input.EventPattern);
    let event: unknown;
    try {
      event = JSON.parse(String(input.Event));
    } catch {
      throw validation('Parameter Event is not valid.');
    }
    return { Result: matchPattern(pattern, event) };
  }
}

/** 256 KB, the PutEvents request limit. */
export const PUT_EVENTS_MAX_BYTES = 262_144;

/**
 * A PutEventsRequestEntry's size as EventBridge computes it (User Guide, "Calculating PutEvents event entry size"):
 * Time, if specified, is 14 bytes; Source and DetailType are the bytes of their UTF-8 encoded forms; Detail, if
 * specified, the bytes of its UTF-8 form; each Resources entry, the bytes of its UTF-8 form. Keys and JSON syntax do
 * not count.
 */
export function putEventsEntrySize(entry: Record<string, unknown>): number {
  const utf8 = (v: unknown) => (typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : 0);
  let size = entry.Time !== undefined && entry.Time !== null ? 14 : 0;
  size += utf8(entry.Source) + utf8(entry.DetailType) + utf8(entry.Detail);
  if (Array.isArray(entry.Resources)) for (const r of entry.Resources) size += utf8(r);
  return size;
}

function ruleKey(accountId: string, region: string, bus: string, name: string): string {
  return `${accountId}/${region}/${bus}/${name}`;
}

/** Event `time`: ISO-8601 without milliseconds, as EventBridge writes it. */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Whether a rule's ARN is of this region and account (rules are regional resources of one account). */
function inRegion(arn: string, region: string, accountId: string): boolean {
  const parsed = parseArn(arn);
  return parsed?.region === region && parsed.accountId === accountId;
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(
    `^${glob
      .split('*')
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
}

// ---- input transformation (PutTargets: Input, InputPath, InputTransformer) ----

function jsonPath(path: string, root: unknown): unknown {
  if (path === '$') return root;
  if (!path.startsWith('$.')) throw new Error(`unsupported JSON path ${path}`);
  let cur: unknown = root;
  for (const part of path.slice(2).split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function transformInput(target: Target, event: EventBridgeEvent): unknown {
  if (target.Input !== undefined) return JSON.parse(target.Input);
  if (target.InputPath !== undefined) return jsonPath(target.InputPath, event);
  if (target.InputTransformer) {
    const vars = Object.fromEntries(
      Object.entries(target.InputTransformer.InputPathsMap ?? {}).map(([k, p]) => [k, jsonPath(p, event)]),
    );
    const tpl = target.InputTransformer.InputTemplate;
    // Inside a JSON string a variable is inserted as raw text; elsewhere as its JSON value
    // (User Guide, "Amazon EventBridge input transformation").
    let text = '';
    let inString = false;
    for (let i = 0; i < tpl.length; i++) {
      const c = tpl[i]!;
      if (c === '"' && tpl[i - 1] !== '\\') inString = !inString;
      const m = c === '<' ? /^<([A-Za-z0-9_.-]+)>/.exec(tpl.slice(i)) : null;
      if (m && (m[1] === 'aws.events.event.json' || m[1]! in vars)) {
        const v = m[1] === 'aws.events.event.json' ? event : vars[m[1]!];
        if (inString)
          text +=
            typeof v === 'string'
              ? JSON.stringify(v).slice(1, -1)
              : JSON.stringify(v ?? null).replace(/["\\]/g, '\\$&');
        else text += JSON.stringify(v ?? null);
        i += m[0].length - 1;
        continue;
      }
      text += c;
    }
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return event;
}
