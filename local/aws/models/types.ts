// The parts of botocore's service-2.json this project reads (botocore/data/<service>/<version>/).
// Member and shape traits are the Smithy traits of the official models: `required`, `length`
// (`min`/`max` on strings, lists, maps and blobs), `range` (`min`/`max` on numbers), `pattern`,
// `enum`, `sensitive`, and the HTTP bindings (`location`: uri | querystring | header | headers |
// statusCode, `locationName`), `payload`, `flattened` for XML.

export interface MemberRef {
  readonly shape: string;
  readonly location?: 'uri' | 'querystring' | 'header' | 'headers' | 'statusCode';
  readonly locationName?: string;
  readonly flattened?: boolean;
  readonly xmlAttribute?: boolean;
  readonly idempotencyToken?: boolean;
  readonly streaming?: boolean;
}

export interface Shape {
  readonly type:
    | 'structure'
    | 'list'
    | 'map'
    | 'string'
    | 'integer'
    | 'long'
    | 'float'
    | 'double'
    | 'boolean'
    | 'blob'
    | 'timestamp';
  readonly members?: Readonly<Record<string, MemberRef>>;
  readonly required?: readonly string[];
  readonly member?: MemberRef;
  readonly key?: MemberRef;
  readonly value?: MemberRef;
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  readonly enum?: readonly string[];
  readonly sensitive?: boolean;
  readonly union?: boolean;
  readonly flattened?: boolean;
  readonly payload?: string;
  readonly locationName?: string;
  readonly streaming?: boolean;
}

export interface OperationModel {
  readonly name: string;
  readonly http: { readonly method: string; readonly requestUri: string; readonly responseCode?: number };
  readonly input?: { readonly shape: string; readonly locationName?: string };
  /** `resultWrapper`: the Query protocol's `<XResult>` element around the output members. */
  readonly output?: { readonly shape: string; readonly resultWrapper?: string };
  readonly errors?: readonly { readonly shape: string }[];
}

export interface ServiceModel {
  readonly metadata: {
    readonly protocol: string;
    readonly protocols?: readonly string[];
    readonly targetPrefix?: string;
    readonly jsonVersion?: string;
    readonly signingName?: string;
    readonly endpointPrefix: string;
    readonly serviceId: string;
    readonly apiVersion: string;
  };
  readonly operations: Readonly<Record<string, OperationModel>>;
  readonly shapes: Readonly<Record<string, Shape>>;
}
