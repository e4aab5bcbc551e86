// Writes the JsonConverter test vectors from the reference Kafka Connect.
// Regenerate with ./generate.sh (needs the reference Kafka Connect 3.9 jars).
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.*;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.json.JsonConverter;

public class JsonVectors {
    static StringBuilder fromOut = new StringBuilder();
    static StringBuilder toOut = new StringBuilder();

    static JsonConverter conv(boolean schemas, String decimal, boolean replace) {
        JsonConverter c = new JsonConverter();
        Map<String, Object> cfg = new HashMap<>();
        cfg.put("schemas.enable", Boolean.toString(schemas));
        cfg.put("decimal.format", decimal);
        cfg.put("replace.null.with.default", Boolean.toString(replace));
        cfg.put("converter.type", "value");
        c.configure(cfg);
        return c;
    }

    static String q(String s) {
        if (s == null) return "null";
        StringBuilder b = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                default:
                    if (ch < 0x20 || ch > 0x7e) b.append(String.format("\\u%04x", (int) ch)); else b.append(ch);
            }
        }
        return b.append('"').toString();
    }

    static String str(byte[] b) { return b == null ? null : new String(b, StandardCharsets.UTF_8); }

    static void from(String name, Schema schema, Object value) {
        String canonical;
        try { canonical = str(conv(true, "BASE64", false).fromConnectData("t", schema, value)); }
        catch (Exception e) { canonical = null; }
        for (boolean schemas : new boolean[]{true, false})
            for (String dec : new String[]{"BASE64", "NUMERIC"})
                for (boolean replace : new boolean[]{true, false}) {
                    String cfg = "{\"schemas.enable\":\"" + schemas + "\",\"decimal.format\":\"" + dec + "\",\"replace.null.with.default\":\"" + replace + "\"}";
                    String result;
                    try { result = "\"expected\":" + q(str(conv(schemas, dec, replace).fromConnectData("t", schema, value))); }
                    catch (Exception e) { result = "\"error\":" + q(e.getClass().getSimpleName() + ": " + e.getMessage()); }
                    fromOut.append("{\"case\":").append(q(name)).append(",\"config\":").append(cfg)
                        .append(",\"canonical\":").append(q(canonical)).append(",").append(result).append("}\n");
                }
    }

    static void to(String name, boolean schemas, String input) {
        String cfg = "{\"schemas.enable\":\"" + schemas + "\"}";
        String result;
        try {
            SchemaAndValue sv = conv(schemas, "BASE64", true).toConnectData("t", input == null ? null : input.getBytes(StandardCharsets.UTF_8));
            result = "\"result\":" + q(str(conv(true, "BASE64", false).fromConnectData("t", sv.schema(), sv.value())));
        } catch (Exception e) { result = "\"error\":" + q(e.getClass().getSimpleName() + ": " + e.getMessage()); }
        toOut.append("{\"case\":").append(q(name)).append(",\"config\":").append(cfg).append(",\"input\":").append(q(input)).append(",").append(result).append("}\n");
    }

    public static void main(String[] args) throws Exception {
        from("int8_min", Schema.INT8_SCHEMA, Byte.MIN_VALUE);
        from("int8_max", Schema.INT8_SCHEMA, Byte.MAX_VALUE);
        from("int16_min", Schema.INT16_SCHEMA, Short.MIN_VALUE);
        from("int32_min", Schema.INT32_SCHEMA, Integer.MIN_VALUE);
        from("int32_max", Schema.INT32_SCHEMA, Integer.MAX_VALUE);
        from("int64_min", Schema.INT64_SCHEMA, Long.MIN_VALUE);
        from("int64_max", Schema.INT64_SCHEMA, Long.MAX_VALUE);
        from("int64_minus1", Schema.INT64_SCHEMA, -1L);
        float[] floats = {0.1f, 1.5f, -0.0f, 1e20f, 1.17549435E-38f, Float.MAX_VALUE, 1.0E-7f, 100.0f, 1e7f, 12345678f, 0.001f};
        for (int i = 0; i < floats.length; i++) from("float32_" + i, Schema.FLOAT32_SCHEMA, floats[i]);
        double[] doubles = {0.1, 1.0, -0.0, 1e20, 1e21, 1e-7, 123456789.123, Double.MAX_VALUE, Double.MIN_VALUE, 1e7, 0.001, 9999999.0, 2.5e-3, 1.0E-4};
        for (int i = 0; i < doubles.length; i++) from("float64_" + i, Schema.FLOAT64_SCHEMA, doubles[i]);
        from("float64_nan", Schema.FLOAT64_SCHEMA, Double.NaN);
        from("float64_inf", Schema.FLOAT64_SCHEMA, Double.NEGATIVE_INFINITY);
        from("bool", Schema.BOOLEAN_SCHEMA, true);
        String[] strings = {"", "ascii", "quote\" backslash\\ slash/", "tab\tnl\ncr\r", "ctl\u0001\u001f\u007f", "h\u00e9llo w\u00f6rld", "\u4e2d\u6587", "emoji \ud83d\ude00", "ls\u2028", "bs\bff\f"};
        for (int i = 0; i < strings.length; i++) from("string_" + i, Schema.STRING_SCHEMA, strings[i]);
        from("bytes_empty", Schema.BYTES_SCHEMA, new byte[0]);
        from("bytes", Schema.BYTES_SCHEMA, new byte[]{0, 1, 2, (byte) 255});
        for (Schema s : new Schema[]{Schema.OPTIONAL_INT32_SCHEMA, Schema.OPTIONAL_STRING_SCHEMA, Schema.OPTIONAL_BYTES_SCHEMA, Schema.OPTIONAL_FLOAT64_SCHEMA, Schema.OPTIONAL_BOOLEAN_SCHEMA})
            from("optional_null_" + s.type(), s, null);
        from("tombstone", null, null);
        from("schemaless_long", null, 42L);
        from("schemaless_string", null, "s");
        from("schemaless_double", null, 1.5);
        from("schemaless_list", null, Arrays.asList(1L, "a", null));
        Map<String, Object> one = new LinkedHashMap<>(); one.put("a", 1L);
        from("schemaless_map", null, one);
        Map<String, Object> nested = new LinkedHashMap<>(); nested.put("n", one);
        from("schemaless_nested_map", null, nested);
        from("array_int32", SchemaBuilder.array(Schema.INT32_SCHEMA).build(), Arrays.asList(1, 2, 3));
        from("array_optional_strings", SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).build(), Arrays.asList("a", null, "b"));
        from("array_empty", SchemaBuilder.array(Schema.INT32_SCHEMA).build(), new ArrayList<>());
        Map<String, Integer> sm = new LinkedHashMap<>(); sm.put("x", 1); sm.put("y", 2);
        from("map_string_keys", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build(), sm);
        Map<Integer, String> im = new LinkedHashMap<>(); im.put(1, "a"); im.put(2, "b");
        from("map_int_keys", SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.STRING_SCHEMA).build(), im);
        Map<String, Integer> om = new LinkedHashMap<>(); om.put("x", null);
        from("map_optional_values", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.OPTIONAL_INT32_SCHEMA).build(), om);
        Schema flat = SchemaBuilder.struct().name("com.example.Flat").version(2).doc("a doc")
            .parameter("p1", "v1").parameter("p2", "v2")
            .field("i8", Schema.INT8_SCHEMA).field("i16", Schema.INT16_SCHEMA).field("i32", Schema.INT32_SCHEMA)
            .field("i64", Schema.INT64_SCHEMA).field("f32", Schema.FLOAT32_SCHEMA).field("f64", Schema.FLOAT64_SCHEMA)
            .field("b", Schema.BOOLEAN_SCHEMA).field("s", Schema.STRING_SCHEMA).field("by", Schema.BYTES_SCHEMA)
            .field("opt", Schema.OPTIONAL_STRING_SCHEMA).build();
        from("struct_flat", flat, new Struct(flat).put("i8", (byte) 1).put("i16", (short) 2).put("i32", 3).put("i64", 4L)
            .put("f32", 5.5f).put("f64", 6.25).put("b", true).put("s", "x").put("by", new byte[]{1}).put("opt", null));
        Schema withDefaults = SchemaBuilder.struct().field("d42", SchemaBuilder.int32().defaultValue(42).build())
            .field("dx", SchemaBuilder.string().defaultValue("x").build())
            .field("optd", SchemaBuilder.string().optional().defaultValue("o").build()).build();
        from("struct_defaults_null", withDefaults, new Struct(withDefaults));
        Schema inner = SchemaBuilder.struct().name("Inner").field("a", Schema.INT32_SCHEMA).build();
        Schema outer = SchemaBuilder.struct().name("Outer").field("inner", inner)
            .field("list", SchemaBuilder.array(Schema.STRING_SCHEMA).build())
            .field("map", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT64_SCHEMA).build()).build();
        Map<String, Long> m = new LinkedHashMap<>(); m.put("k", 7L);
        from("struct_nested", outer, new Struct(outer).put("inner", new Struct(inner).put("a", 1)).put("list", Arrays.asList("p", "q")).put("map", m));
        Schema empty = SchemaBuilder.struct().build();
        from("struct_empty", empty, new Struct(empty));
        for (int scale : new int[]{0, 2, 10}) {
            Schema d = Decimal.schema(scale);
            String[] vals = scale == 0 ? new String[]{"0", "12345", "-1"} : scale == 2 ? new String[]{"10.25", "-10.25", "0.00", "0.01", "123456789012345678901234567.89"} : new String[]{"1.2345678901"};
            for (String v : vals) from("decimal_s" + scale + "_" + v, d, new BigDecimal(v));
        }
        from("decimal_optional_null", Decimal.builder(2).optional().build(), null);
        from("date_0", org.apache.kafka.connect.data.Date.SCHEMA, new java.util.Date(0));
        from("date_19000", org.apache.kafka.connect.data.Date.SCHEMA, new java.util.Date(19000L * 86400000L));
        from("date_negative", org.apache.kafka.connect.data.Date.SCHEMA, new java.util.Date(-86400000L * 365));
        from("time_0", Time.SCHEMA, new java.util.Date(0));
        from("time_45296789", Time.SCHEMA, new java.util.Date(45296789));
        from("timestamp_0", Timestamp.SCHEMA, new java.util.Date(0));
        from("timestamp_1700000000123", Timestamp.SCHEMA, new java.util.Date(1700000000123L));
        from("timestamp_negative", Timestamp.SCHEMA, new java.util.Date(-1000L));
        Schema logicalStruct = SchemaBuilder.struct().field("d", Decimal.schema(2)).field("ts", Timestamp.SCHEMA)
            .field("date", org.apache.kafka.connect.data.Date.builder().optional().build()).build();
        from("struct_logical", logicalStruct, new Struct(logicalStruct).put("d", new BigDecimal("3.14")).put("ts", new java.util.Date(5)).put("date", null));
        from("named_string", SchemaBuilder.string().name("my.Name").doc("d").version(3).build(), "v");

        String[] plain = {"1", "-5", "9223372036854775807", "1.5", "1e3", "1.0", "0.1", "\"s\"", "true", "null", "[]", "[1,\"a\",null]", "{}", "{\"a\":1,\"b\":{\"c\":[1.5]}}", "{\"z\":1,\"a\":2}", "{\"a\":"};
        for (int i = 0; i < plain.length; i++) to("plain_" + i, false, plain[i]);
        to("plain_null_message", false, null);
        String[] env = {
            "{\"schema\":{\"type\":\"bytes\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Decimal\",\"version\":1,\"parameters\":{\"scale\":\"2\"}},\"payload\":10.25}",
            "{\"schema\":{\"type\":\"bytes\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Decimal\",\"version\":1,\"parameters\":{\"scale\":\"2\"}},\"payload\":\"BAE=\"}",
            "{\"schema\":{\"type\":\"int32\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Date\",\"version\":1},\"payload\":19000}",
            "{\"schema\":{\"type\":\"int64\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Timestamp\",\"version\":1},\"payload\":1700000000123}",
            "{\"schema\":{\"type\":\"int32\",\"optional\":false},\"payload\":5,\"extra\":1}",
            "{\"schema\":{\"type\":\"int32\",\"optional\":false}}",
            "{\"payload\":5}",
            "{\"a\":1}",
            "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"field\":\"a\"}],\"optional\":false},\"payload\":{}}",
            "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":true,\"default\":7,\"field\":\"a\"}],\"optional\":false},\"payload\":{}}",
            "{\"schema\":null,\"payload\":{\"a\":1}}",
            "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,\"field\":\"s\"},{\"type\":\"array\",\"items\":{\"type\":\"int64\",\"optional\":false},\"optional\":true,\"field\":\"l\"}],\"optional\":false,\"name\":\"R\"},\"payload\":{\"s\":\"x\",\"l\":[1,2]}}",
        };
        for (int i = 0; i < env.length; i++) to("envelope_" + i, true, env[i]);
        to("envelope_null_message", true, null);

        java.nio.file.Files.writeString(java.nio.file.Path.of(args[0], "from_connect.jsonl"), fromOut.toString());
        java.nio.file.Files.writeString(java.nio.file.Path.of(args[0], "to_connect.jsonl"), toOut.toString());
    }
}
