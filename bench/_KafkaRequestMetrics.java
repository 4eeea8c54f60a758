// The broker's own request counters, for bench/_cost.ts: attaches to the broker's JVM (the JDK Attach API,
// VirtualMachine.startLocalManagementAgent: the local JMX agent, no port and no change to how the broker starts),
// reads its MBeans and prints one JSON line. Run as a single-file source program (JEP 330) with kafka-clients on the
// class path: java -cp <libs>/kafka-clients-<v>.jar bench/_KafkaRequestMetrics.java <broker pid>
//
// What it reads (Kafka documentation, "Monitoring"):
// - kafka.network:type=RequestMetrics,name=RequestsPerSec,request=<api>,version=<v>, attribute Count: the requests
//   the request channel took in, by API and version, summed here over versions. In a combined KRaft node the broker
//   and the controller share these meters, so a request the broker forwards to the controller (ApiKeys.forwardable:
//   CreateTopics, CreateAcls, DeleteAcls, IncrementalAlterConfigs...) is counted once on arrival from the client and
//   once on arrival at the controller; each API is printed with its `forwardable` flag and whether clients may send it
//   to a broker at all (ListenerType.BROKER), so the reader can take the controller's share out.
// - kafka.server:type=socket-server-metrics,listener=<name>,networkProcessor=<n>: request-total (requests read off
//   that listener's connections after authentication), successful-authentication-total, connection-creation-total,
//   incoming-byte-total and outgoing-byte-total (what the clients sent and were sent), summed over network processors.
import com.sun.tools.attach.VirtualMachine;
import java.util.Map;
import java.util.TreeMap;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.protocol.ApiKeys;

public class _KafkaRequestMetrics {
  private static final String[] LISTENER_COUNTERS = {
    "request-total", "successful-authentication-total", "connection-creation-total", "incoming-byte-total",
    "outgoing-byte-total"
  };

  public static void main(String[] args) throws Exception {
    VirtualMachine vm = VirtualMachine.attach(args[0]);
    String address;
    try {
      address = vm.startLocalManagementAgent();
    } finally {
      vm.detach();
    }
    try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(address))) {
      MBeanServerConnection s = connector.getMBeanServerConnection();
      Map<String, Long> apis = new TreeMap<>();
      for (ObjectName n : s.queryNames(new ObjectName("kafka.network:type=RequestMetrics,name=RequestsPerSec,*"), null))
        apis.merge(n.getKeyProperty("request"), ((Number) s.getAttribute(n, "Count")).longValue(), Long::sum);
      Map<String, long[]> listeners = new TreeMap<>();
      for (ObjectName n : s.queryNames(new ObjectName("kafka.server:type=socket-server-metrics,listener=*,networkProcessor=*"), null)) {
        if (n.getKeyPropertyList().size() != 3) continue; // per-client-software beans carry other attributes
        long[] sums = listeners.computeIfAbsent(n.getKeyProperty("listener"), k -> new long[LISTENER_COUNTERS.length]);
        for (int i = 0; i < LISTENER_COUNTERS.length; i++)
          sums[i] += ((Number) s.getAttribute(n, LISTENER_COUNTERS[i])).longValue();
      }
      StringBuilder out = new StringBuilder("{\"apis\":{");
      String sep = "";
      for (Map.Entry<String, Long> e : apis.entrySet()) {
        ApiKeys key = byName(e.getKey());
        out.append(sep).append('"').append(e.getKey()).append("\":{\"count\":").append(e.getValue())
          .append(",\"forwardable\":").append(key != null && key.forwardable)
          .append(",\"clientApi\":").append(key != null && key.inScope(ApiMessageType.ListenerType.BROKER)).append('}');
        sep = ",";
      }
      out.append("},\"listeners\":{");
      sep = "";
      for (Map.Entry<String, long[]> e : listeners.entrySet()) {
        long[] v = e.getValue();
        out.append(sep).append('"').append(e.getKey()).append("\":{\"requests\":").append(v[0])
          .append(",\"authentications\":").append(v[1]).append(",\"connections\":").append(v[2])
          .append(",\"bytesIn\":").append(v[3]).append(",\"bytesOut\":").append(v[4]).append('}');
        sep = ",";
      }
      System.out.println(out.append("}}"));
    }
  }

  private static ApiKeys byName(String name) {
    for (ApiKeys k : ApiKeys.values()) if (k.name.equals(name)) return k;
    return null;
  }
}
