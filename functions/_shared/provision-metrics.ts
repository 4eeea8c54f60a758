// The provisioning outcome metrics (EMF, lib/observability.ts) ApplyTopicsAndAcls emits once per run.
import { metrics, MetricUnit } from '../../lib/observability.js';

export function recordProvisioned(changed: boolean, kafkaRequests: number, startedAt?: string): void {
  metrics.addMetric('KafkaAdminRequests', MetricUnit.Count, kafkaRequests);
  metrics.addMetric('SpecsProvisioned', MetricUnit.Count, 1);
  if (changed) metrics.addMetric('SpecsChanged', MetricUnit.Count, 1);
  const started = Date.parse(startedAt ?? '');
  if (!Number.isNaN(started))
    metrics.addMetric('ProvisioningDuration', MetricUnit.Milliseconds, Math.max(0, Date.now() - started));
}
