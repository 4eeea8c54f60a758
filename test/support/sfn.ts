// An execution's whole history, every page (the SDK's own paginator, GetExecutionHistory pages of
// at most 1,000 events).
import { paginateGetExecutionHistory, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';

export async function fullHistory(client: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  for await (const page of paginateGetExecutionHistory({ client, pageSize: 1000 }, { executionArn }))
    events.push(...(page.events ?? []));
  return events;
}
