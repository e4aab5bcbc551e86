// Writes the transform test vectors from the reference Kafka Connect 3.9:
// each case is a record (as JsonConverter bytes) and a connector-style
// transforms/predicates config; the output is what Connect's own classes
// make of it, as a sink task would see it (bytes decoded, chain applied).
// Regenerate with ./generate.sh (needs the reference Kafka Connect 3.9 jars).
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.*;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.connect.transforms.predicates.Predicate;

public class TransformVectors {
    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> lines = new ArrayList<>();
    static final long TS = 1700000000123L;

    static JsonConverter converter(boolean schemas) {
        JsonConverter c = new JsonConverter();
        c.configure(Map.of("schemas.enable", Boolean.toString(schemas), "converter.type", "value"));
        return c;
    }

    static final JsonConverter WITH = converter(true), WITHOUT = converter(false);

    static String bytes(JsonConverter c, String topic, Schema s, Object v) {
        byte[] b = c.fromConnectData(topic, s, v);
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    static SchemaAndValue read(JsonConverter c, String topic, String text) {
        return c.toConnectData(topic, text == null ? null : text.getBytes(StandardCharsets.UTF_8));
    }

    /** A record as JSON: topic, partition, timestamp, key, value and headers as converter bytes. */
    static ObjectNode describe(ConnectRecord<?> r, boolean schemas) {
        JsonConverter c = schemas ? WITH : WITHOUT;
        ObjectNode n = JSON.createObjectNode();
        n.put("topic", r.topic());
        n.put("partition", r.kafkaPartition());
        if (r instanceof SinkRecord) n.put("offset", ((SinkRecord) r).kafkaOffset());
        n.put("timestamp", r.timestamp());
        n.put("key", bytes(c, r.topic(), r.keySchema(), r.key()));
        n.put("value", bytes(c, r.topic(), r.valueSchema(), r.value()));
        ArrayNode hs = n.putArray("headers");
        for (Header h : r.headers()) {
            ArrayNode pair = hs.addArray();
            pair.add(h.key());
            pair.add(bytes(WITH, r.topic(), h.schema(), h.value()));
        }
        return n;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static void emit(String name, boolean schemas, SinkRecord original, String... config) throws Exception {
        Map<String, String> props = new LinkedHashMap<>();
        for (int i = 0; i < config.length; i += 2) props.put(config[i], config[i + 1]);
        // What a sink sees: the record's bytes decoded by its converters.
        JsonConverter c = schemas ? WITH : WITHOUT;
        ObjectNode input = describe(original, schemas);
        SchemaAndValue key = read(c, original.topic(), input.get("key").isNull() ? null : input.get("key").asText());
        SchemaAndValue value = read(c, original.topic(), input.get("value").isNull() ? null : input.get("value").asText());
        ConnectHeaders headers = new ConnectHeaders();
        for (Header h : original.headers()) {
            SchemaAndValue hv = read(WITH, original.topic(), bytes(WITH, original.topic(), h.schema(), h.value()));
            headers.add(h.key(), hv.value(), hv.schema());
        }
        ConnectRecord record = new SinkRecord(original.topic(), original.kafkaPartition(), key.schema(), key.value(),
            value.schema(), value.value(), original.kafkaOffset(), original.timestamp(), TimestampType.CREATE_TIME, headers);

        ObjectNode line = JSON.createObjectNode();
        line.put("case", name);
        line.put("schemas", schemas);
        ObjectNode cfg = line.putObject("config");
        props.forEach(cfg::put);
        line.set("input", input);
        try {
            for (String alias : props.get("transforms").split(",")) {
                String p = "transforms." + alias + ".";
                Transformation t = (Transformation) Class.forName(props.get(p + "type")).getDeclaredConstructor().newInstance();
                t.configure(own(props, p));
                Predicate pred = null;
                String predName = props.get(p + "predicate");
                if (predName != null) {
                    String pp = "predicates." + predName + ".";
                    pred = (Predicate) Class.forName(props.get(pp + "type")).getDeclaredConstructor().newInstance();
                    pred.configure(own(props, pp));
                }
                boolean negate = Boolean.parseBoolean(props.getOrDefault(p + "negate", "false"));
                if (pred == null || pred.test(record) != negate) record = t.apply(record);
                if (record == null) break;
            }
            if (record == null) line.putNull("output");
            else line.set("output", describe(record, schemas));
        } catch (Exception e) {
            line.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        lines.add(JSON.writeValueAsString(line));
    }

    static Map<String, String> own(Map<String, String> props, String prefix) {
        Map<String, String> m = new HashMap<>();
        props.forEach((k, v) -> { if (k.startsWith(prefix)) m.put(k.substring(prefix.length()), v); });
        return m;
    }

    // ---- the records ----

    static final Schema ADDRESS = SchemaBuilder.struct().name("Address")
        .field("city", Schema.STRING_SCHEMA).field("zip", Schema.OPTIONAL_STRING_SCHEMA).build();
    static final Schema USER = SchemaBuilder.struct().name("User")
        .field("id", Schema.INT32_SCHEMA)
        .field("name", Schema.STRING_SCHEMA)
        .field("email", Schema.OPTIONAL_STRING_SCHEMA)
        .field("age", Schema.INT16_SCHEMA)
        .field("score", Schema.FLOAT64_SCHEMA)
        .field("active", Schema.BOOLEAN_SCHEMA)
        .field("balance", Decimal.builder(2).optional().build())
        .field("created", Timestamp.SCHEMA)
        .field("born", org.apache.kafka.connect.data.Date.builder().optional().build())
        .field("created_ms", Schema.INT64_SCHEMA)
        .field("created_text", Schema.STRING_SCHEMA)
        .field("address", ADDRESS)
        .build();
    static final Schema KEY = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).build();

    static Struct address() {
        return new Struct(ADDRESS).put("city", "Lisbon").put("zip", "1100-148");
    }

    static Struct user() {
        return new Struct(USER).put("id", 42).put("name", "Ada Lovelace").put("email", null).put("age", (short) 36)
            .put("score", 97.5).put("active", true).put("balance", new BigDecimal("1234.56"))
            .put("created", new java.util.Date(1700000000123L)).put("born", new java.util.Date(19_000L * 86_400_000L))
            .put("created_ms", 1700000000123L).put("created_text", "2023-11-14 22:13:20.123").put("address", address());
    }

    static Map<String, Object> userMap() {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("city", "Lisbon");
        a.put("zip", "1100-148");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", 42);
        m.put("name", "Ada Lovelace");
        m.put("email", null);
        m.put("age", 36);
        m.put("score", 97.5);
        m.put("active", true);
        m.put("created_ms", 1700000000123L);
        m.put("created_text", "2023-11-14 22:13:20.123");
        m.put("address", a);
        return m;
    }

    static ConnectHeaders headers() {
        ConnectHeaders h = new ConnectHeaders();
        h.addString("trace", "abc-123");
        h.addInt("attempt", 2);
        h.addString("drop.me", "x");
        return h;
    }

    /** A user record, with a struct key when schemas are on and a map key when off. */
    static SinkRecord users(boolean schemas) {
        return users(schemas, "db1_users");
    }

    static SinkRecord users(boolean schemas, String topic) {
        if (schemas) {
            return new SinkRecord(topic, 3, KEY, new Struct(KEY).put("id", 42), USER, user(), 1017, TS, TimestampType.CREATE_TIME, headers());
        }
        return new SinkRecord(topic, 3, null, Map.of("id", 42), null, userMap(), 1017, TS, TimestampType.CREATE_TIME, headers());
    }

    static SinkRecord primitive(Schema keySchema, Object key, Schema valueSchema, Object value) {
        return new SinkRecord("db1_users", 0, keySchema, key, valueSchema, value, 5, TS, TimestampType.CREATE_TIME, headers());
    }

    /** InsertHeader's `value.literal` goes through `Values.parseString`: these pin its typing down. */
    static final String[] LITERALS = {
        "hello", "hello world", "  padded  ", "", " ", "42", " 42 ", "-7", "+5", "127", "128", "-129", "32768", "2147483648",
        "9223372036854775808", "3.25", "0.1", "-2.5e3", "1e3", "1E-2", "3.4028236e38", "1e400", "007", "0x1F", "12abc",
        "true", "false", "TRUE", " true ", "null", "[1, 2, 3]", "[1, 300, 70000]", "[1, 2.5]", "[1, \"x\"]", "[]", "[\"a\", \"b\"]",
        "[true, false]", "[1, 2", "{\"a\": 1}", "{\"a\": 1, \"b\": \"x\"}", "{}", "{a: 1}", "{\"a\": [1, 2]}", "2024-01-31",
        "2024-13-45", "10:15:30.250Z", "10:15:30.250", "2024-01-31T10:15:30.250Z", "2024-01-31T10:15:30Z", "a:b", "x,y", "quote\"inside",
        "back\\slash", "{not json", "]", "ümlaut ✓"};

    static final String T = "org.apache.kafka.connect.transforms.";
    static final String P = "org.apache.kafka.connect.transforms.predicates.";

    static void both(String name, String... config) throws Exception {
        emit(name + "/schema", true, users(true), config);
        emit(name + "/schemaless", false, users(false), config);
    }

    static String[] one(String type, String... keys) {
        String[] c = new String[4 + keys.length];
        c[0] = "transforms"; c[1] = "t"; c[2] = "transforms.t.type"; c[3] = T + type;
        for (int i = 0; i < keys.length; i += 2) { c[4 + i] = "transforms.t." + keys[i]; c[5 + i] = keys[i + 1]; }
        return c;
    }

    public static void main(String[] args) throws Exception {
        both("ValueToKey", one("ValueToKey", "fields", "id,name"));
        both("ExtractField$Key", one("ExtractField$Key", "field", "id"));
        both("ExtractField$Value", one("ExtractField$Value", "field", "name"));
        both("ExtractField$Value/v2-nested", one("ExtractField$Value", "field", "address.city", "field.syntax.version", "V2"));
        both("ExtractField$Value/missing", one("ExtractField$Value", "field", "nope"));
        both("ValueToKey+ExtractField$Key", "transforms", "createKey,extractInt",
            "transforms.createKey.type", T + "ValueToKey", "transforms.createKey.fields", "id",
            "transforms.extractInt.type", T + "ExtractField$Key", "transforms.extractInt.field", "id");
        both("ReplaceField$Value/exclude", one("ReplaceField$Value", "exclude", "email,address"));
        both("ReplaceField$Value/include", one("ReplaceField$Value", "include", "id,name,score"));
        both("ReplaceField$Value/renames", one("ReplaceField$Value", "renames", "name:full_name,id:user_id"));
        both("ReplaceField$Key/renames", one("ReplaceField$Key", "renames", "id:key_id"));
        both("HoistField$Value", one("HoistField$Value", "field", "user"));
        emit("HoistField$Key/primitive", true, primitive(Schema.INT64_SCHEMA, 7L, Schema.STRING_SCHEMA, "v"), one("HoistField$Key", "field", "k"));
        emit("HoistField$Key/primitive-schemaless", false, primitive(null, 7L, null, "v"), one("HoistField$Key", "field", "k"));
        both("InsertField$Value", one("InsertField$Value", "topic.field", "_topic", "partition.field", "_partition",
            "offset.field", "_offset", "timestamp.field", "_ts", "static.field", "_source", "static.value", "db1"));
        both("InsertField$Value/required", one("InsertField$Value", "topic.field", "_topic!", "offset.field", "_offset!"));
        both("InsertField$Key", one("InsertField$Key", "static.field", "region", "static.value", "eu"));
        both("MaskField$Value", one("MaskField$Value", "fields", "name,age,score,active,email,absent"));
        emit("MaskField$Value/decimal", true, users(true), one("MaskField$Value", "fields", "balance"));
        both("MaskField$Value/replacement", one("MaskField$Value", "fields", "name,email", "replacement", "***"));
        both("MaskField$Value/numeric-replacement", one("MaskField$Value", "fields", "age,score", "replacement", "0"));
        both("Flatten$Value", one("Flatten$Value"));
        both("Flatten$Value/delimiter", one("Flatten$Value", "delimiter", "_"));
        both("SetSchemaMetadata$Value", one("SetSchemaMetadata$Value", "schema.name", "com.example.User", "schema.version", "3"));
        emit("SetSchemaMetadata$Key", true, users(true), one("SetSchemaMetadata$Key", "schema.name", "com.example.UserKey"));
        both("Cast$Value/fields", one("Cast$Value", "spec", "id:int64,age:int8,score:int32,active:string,name:string"));
        both("Cast$Value/numbers-to-string", one("Cast$Value", "spec", "id:string,score:string,active:int32"));
        emit("Cast$Value/whole", true, primitive(Schema.INT32_SCHEMA, 1, Schema.INT32_SCHEMA, 1234), one("Cast$Value", "spec", "string"));
        emit("Cast$Value/whole-schemaless", false, primitive(null, 1, null, "17"), one("Cast$Value", "spec", "int32"));
        emit("Cast$Value/float-to-int", true, primitive(null, null, Schema.FLOAT64_SCHEMA, 3.99), one("Cast$Value", "spec", "int64"));
        emit("Cast$Value/bool-from-string", false, primitive(null, null, null, "true"), one("Cast$Value", "spec", "boolean"));
        both("Cast$Key", one("Cast$Key", "spec", "id:string"));
        both("HeaderFrom$Value/copy", one("HeaderFrom$Value", "fields", "id,name", "headers", "h_id,h_name", "operation", "copy"));
        both("HeaderFrom$Value/move", one("HeaderFrom$Value", "fields", "id,address", "headers", "h_id,h_address", "operation", "move"));
        both("HeaderFrom$Key/copy", one("HeaderFrom$Key", "fields", "id", "headers", "key_id", "operation", "copy"));
        for (String literal : LITERALS) {
            emit("InsertHeader/" + literal, true, users(true), one("InsertHeader", "header", "h", "value.literal", literal));
        }
        both("DropHeaders", one("DropHeaders", "headers", "drop.me,attempt"));
        both("TimestampConverter$Value/to-string", one("TimestampConverter$Value", "field", "created_ms", "target.type", "string", "format", "yyyy-MM-dd'T'HH:mm:ss.SSS"));
        both("TimestampConverter$Value/to-unix", one("TimestampConverter$Value", "field", "created_text", "target.type", "unix", "format", "yyyy-MM-dd HH:mm:ss.SSS"));
        both("TimestampConverter$Value/to-Timestamp", one("TimestampConverter$Value", "field", "created_ms", "target.type", "Timestamp"));
        both("TimestampConverter$Value/to-Date", one("TimestampConverter$Value", "field", "created_ms", "target.type", "Date"));
        both("TimestampConverter$Value/to-Time", one("TimestampConverter$Value", "field", "created_ms", "target.type", "Time"));
        both("TimestampConverter$Value/unix-seconds", one("TimestampConverter$Value", "field", "created_ms", "target.type", "unix", "unix.precision", "seconds"));
        both("TimestampConverter$Value/from-micros", one("TimestampConverter$Value", "field", "created_ms", "target.type", "string", "format", "yyyy-MM-dd HH:mm:ss", "unix.precision", "microseconds"));
        emit("TimestampConverter$Value/Timestamp-field", true, users(true), one("TimestampConverter$Value", "field", "created", "target.type", "unix"));
        emit("TimestampConverter$Value/whole", true, primitive(null, null, Timestamp.SCHEMA, new java.util.Date(TS)), one("TimestampConverter$Value", "target.type", "string", "format", "EEE, d MMM yyyy HH:mm:ss"));
        emit("TimestampConverter$Value/whole-schemaless", false, primitive(null, null, null, TS), one("TimestampConverter$Value", "target.type", "Date"));
        both("RegexRouter", one("RegexRouter", "regex", "(.*)_(.*)", "replacement", "$2-$1"));
        both("RegexRouter/no-match", one("RegexRouter", "regex", "orders_(.*)", "replacement", "$1"));
        both("TimestampRouter", one("TimestampRouter"));
        both("TimestampRouter/format", one("TimestampRouter", "topic.format", "archive.${topic}.${timestamp}", "timestamp.format", "yyyy-MM-dd_HH"));
        String[] filterByTopic = {"transforms", "f", "transforms.f.type", T + "Filter", "transforms.f.predicate", "p",
            "predicates", "p", "predicates.p.type", P + "TopicNameMatches", "predicates.p.pattern", "db1_.*"};
        both("Filter/TopicNameMatches", filterByTopic);
        emit("Filter/TopicNameMatches/other-topic", true, users(true, "orders"), filterByTopic);
        both("Filter/TopicNameMatches/negate", "transforms", "f", "transforms.f.type", T + "Filter", "transforms.f.predicate", "p",
            "transforms.f.negate", "true", "predicates", "p", "predicates.p.type", P + "TopicNameMatches", "predicates.p.pattern", "db1_.*");
        both("Filter/HasHeaderKey", "transforms", "f", "transforms.f.type", T + "Filter", "transforms.f.predicate", "p",
            "predicates", "p", "predicates.p.type", P + "HasHeaderKey", "predicates.p.name", "trace");
        both("Filter/HasHeaderKey/absent", "transforms", "f", "transforms.f.type", T + "Filter", "transforms.f.predicate", "p",
            "predicates", "p", "predicates.p.type", P + "HasHeaderKey", "predicates.p.name", "missing");
        String[] tombstone = {"transforms", "f", "transforms.f.type", T + "Filter", "transforms.f.predicate", "p",
            "predicates", "p", "predicates.p.type", P + "RecordIsTombstone"};
        emit("Filter/RecordIsTombstone/tombstone", true, primitive(Schema.STRING_SCHEMA, "k", null, null), tombstone);
        both("Filter/RecordIsTombstone/value", tombstone);
        both("chain/predicate-gated-router", "transforms", "key,route", "transforms.key.type", T + "ValueToKey", "transforms.key.fields", "id",
            "transforms.route.type", T + "RegexRouter", "transforms.route.regex", "db1_(.*)", "transforms.route.replacement", "mirror.$1",
            "transforms.route.predicate", "hasTrace", "predicates", "hasTrace", "predicates.hasTrace.type", P + "HasHeaderKey",
            "predicates.hasTrace.name", "trace");

        Path out = Path.of(args[0], "transforms.jsonl");
        Files.writeString(out, String.join("\n", lines) + "\n");
        System.out.println(lines.size() + " transform vectors -> " + out);
    }
}
