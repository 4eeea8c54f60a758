// Keeps kafkajs' own metadata refreshes from fetching every topic in the cluster.
//
// Before each controller-bound request (CreateTopics, CreateAcls, DescribeAcls, DeleteAcls, ...) the
// kafkajs 2.2.4 admin refreshes its cluster metadata for its "target topics" (admin/index.js,
// `cluster.refreshMetadata()`), only to find the brokers and the controller. An admin has no target
// topics, and kafkajs encodes an empty topic list as null (Encoder.writeNullableArray: "empty array and
// null are the same thing"), which Kafka reads as "all topics" (MetadataRequest.json: `Topics`, "null
// for all topics", versions 1+). So every such call cost a Metadata answer the size of the cluster:
// at 5,000 domains, megabytes per call.
//
// Kafka itself tells the two apart: from version 1 on, an empty list asks for no topics, and the answer
// still carries the brokers and the controller id. The fix is the rule kafkajs means: the pool's own
// metadata covers its target topics, and with none, only the brokers. BrokerPool.refreshMetadata is
// the one place that fills the pool's metadata; it now asks for BROKERS_ONLY when it has no topics,
// and the Metadata request encodes BROKERS_ONLY as the empty list. Listing topics (admin.listTopics,
// cluster.metadata()) does not go through the pool's refresh and still asks for all of them.
import BrokerPool from 'kafkajs/src/cluster/brokerPool.js';
import Encoder from 'kafkajs/src/protocol/encoder.js';
import metadataRequests from 'kafkajs/src/protocol/requests/metadata/index.js';

/** Stands in for "no topics" between the pool and the encoder; never sent (no topic may contain NUL). */
const BROKERS_ONLY = '\u0000brokers-only';

let installed = false;
export function refreshBrokersOnly(): void {
  if (installed) return;
  installed = true;

  const refresh = BrokerPool.prototype.refreshMetadata;
  BrokerPool.prototype.refreshMetadata = function (this: unknown, topics: string[]) {
    return refresh.call(this, topics.length === 0 ? [BROKERS_ONLY] : topics);
  };

  const protocol = metadataRequests.protocol;
  metadataRequests.protocol = ({ version }) => {
    const build = protocol({ version });
    // Version 0 reads an empty list as all topics (MetadataRequest.json); Kafka 4 no longer speaks it.
    if (version < 1) return build;
    return (args) => {
      if (args.topics.length !== 1 || args.topics[0] !== BROKERS_ONLY) return build(args);
      const built = build({ ...args, topics: [] });
      return {
        ...built,
        request: {
          ...built.request,
          // The same fields in the same order, with a zero-length (not null) topic array. From version 4 a
          // boolean allow_auto_topic_creation follows (MetadataRequest.json).
          encode: async () => {
            const e = new Encoder().writeArray([]);
            return version >= 4 ? e.writeBoolean(args.allowAutoTopicCreation ?? true) : e;
          },
        },
      };
    };
  };
}
