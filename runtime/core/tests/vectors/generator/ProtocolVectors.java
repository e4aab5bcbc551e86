// Writes the distributed-mode group protocol vectors from the reference
// Kafka Connect 3.9: worker metadata (JoinGroup) and assignments (SyncGroup)
// as Connect serializes them, in hex, with the fields that went in.
// Regenerate with ./generate.sh (needs the reference Kafka Connect 3.9 jars).
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import org.apache.kafka.connect.runtime.distributed.*;
import org.apache.kafka.connect.util.ConnectorTaskId;

public class ProtocolVectors {
    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> lines = new ArrayList<>();

    static String hex(ByteBuffer b) {
        StringBuilder s = new StringBuilder();
        ByteBuffer d = b.duplicate();
        while (d.hasRemaining()) s.append(String.format("%02x", d.get()));
        return s.toString();
    }

    static ArrayNode tasks(Collection<ConnectorTaskId> ts) {
        ArrayNode a = JSON.createArrayNode();
        for (ConnectorTaskId t : ts) a.addArray().add(t.connector()).add(t.task());
        return a;
    }

    static ArrayNode names(Collection<String> cs) {
        ArrayNode a = JSON.createArrayNode();
        cs.forEach(a::add);
        return a;
    }

    static ObjectNode assignmentJson(ExtendedAssignment a) {
        ObjectNode n = JSON.createObjectNode();
        n.put("version", a.version());
        n.put("error", a.error());
        n.put("leader", a.leader());
        n.put("leader_url", a.leaderUrl());
        n.put("config_offset", a.offset());
        n.set("connectors", names(a.connectors()));
        n.set("tasks", tasks(a.tasks()));
        n.set("revoked_connectors", names(a.revokedConnectors()));
        n.set("revoked_tasks", tasks(a.revokedTasks()));
        n.put("delay", a.delay());
        return n;
    }

    static void metadata(String name, short version, String url, long offset, ExtendedAssignment previous) throws Exception {
        ObjectNode n = JSON.createObjectNode();
        n.put("case", name);
        n.put("kind", "metadata");
        n.put("version", version);
        n.put("url", url);
        n.put("config_offset", offset);
        if (previous != null) n.set("previous", assignmentJson(previous));
        ByteBuffer b = version == 0
            ? ConnectProtocol.serializeMetadata(new ConnectProtocol.WorkerState(url, offset))
            : IncrementalCooperativeConnectProtocol.serializeMetadata(new ExtendedWorkerState(url, offset, previous), version == 2);
        n.put("hex", hex(b));
        lines.add(JSON.writeValueAsString(n));
    }

    static void assignment(String name, ExtendedAssignment a) throws Exception {
        ObjectNode n = assignmentJson(a);
        n.put("case", name);
        n.put("kind", "assignment");
        ByteBuffer b = a.version() == 0
            ? ConnectProtocol.serializeAssignment(a)
            : IncrementalCooperativeConnectProtocol.serializeAssignment(a, a.version() == 2);
        n.put("hex", hex(b));
        lines.add(JSON.writeValueAsString(n));
    }

    static List<ConnectorTaskId> ids(Object... pairs) {
        List<ConnectorTaskId> l = new ArrayList<>();
        for (int i = 0; i < pairs.length; i += 2) l.add(new ConnectorTaskId((String) pairs[i], (Integer) pairs[i + 1]));
        return l;
    }

    public static void main(String[] args) throws Exception {
        ExtendedAssignment one = new ExtendedAssignment((short) 1, ConnectProtocol.Assignment.NO_ERROR, "connect-1-abc", "http://10.0.0.1:8083/", 7,
            List.of("jdbc-source"), ids("jdbc-source", 0, "jdbc-source", 1), List.of(), List.of(), 0);
        metadata("default", (short) 0, "http://10.0.0.1:8083/", -1, null);
        metadata("compatible-first-join", (short) 1, "http://10.0.0.1:8083/", 12, null);
        metadata("sessioned-first-join", (short) 2, "http://worker-2:8084/", 12, null);
        metadata("sessioned-rejoin", (short) 2, "http://10.0.0.1:8083/", 12, one);
        assignment("v1-initial", one);
        assignment("v1-revocation", new ExtendedAssignment((short) 1, ConnectProtocol.Assignment.NO_ERROR, "connect-1-abc", "http://10.0.0.1:8083/", 9,
            List.of(), ids("file-sink", 2), List.of("jdbc-source"), ids("jdbc-source", 1), 0));
        assignment("v2-delay", new ExtendedAssignment((short) 2, ConnectProtocol.Assignment.NO_ERROR, "connect-2-def", "http://worker-2:8084/", 9,
            List.of("a", "b"), ids("a", 0, "b", 0, "b", 1), List.of(), List.of(), 4_500));
        assignment("v2-config-mismatch", new ExtendedAssignment((short) 2, ConnectProtocol.Assignment.CONFIG_MISMATCH, "connect-2-def", "http://worker-2:8084/", 11,
            List.of(), List.of(), List.of(), List.of(), 0));
        assignment("v0-eager", new ExtendedAssignment((short) 0, ConnectProtocol.Assignment.NO_ERROR, "connect-1-abc", "http://10.0.0.1:8083/", 3,
            List.of("x"), ids("x", 0, "y", 3), List.of(), List.of(), 0));
        Path out = Path.of(args[0], "group_protocol.jsonl");
        Files.writeString(out, String.join("\n", lines) + "\n");
        System.out.println(lines.size() + " group protocol vectors -> " + out);
    }
}
