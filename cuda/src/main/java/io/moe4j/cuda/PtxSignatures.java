package io.moe4j.cuda;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parameter sizes of every {@code .entry} in a PTX module, read from the PTX text. A kernel
 * launch with a wrong argument list (a missing int, an int where a pointer goes) would not fail:
 * the kernel would read garbage. {@link CudaContext#launch} therefore checks each argument's size
 * against this table first, and CPU tests check the table itself.
 */
public final class PtxSignatures {
    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+(\\w+)\\s*\\(([^)]*)\\)");
    private static final Pattern ARRAY = Pattern.compile("\\[(\\d+)\\]");

    private PtxSignatures() {}

    /** Kernel name to parameter sizes in bytes, in declaration order. */
    public static Map<String, int[]> parse(String ptx) {
        Map<String, int[]> out = new HashMap<>();
        Matcher m = ENTRY.matcher(ptx);
        while (m.find()) {
            List<Integer> sizes = new ArrayList<>();
            for (String p : m.group(2).split(",")) {
                String s = p.trim();
                if (s.isEmpty()) continue;
                sizes.add(paramSize(m.group(1), s));
            }
            out.put(m.group(1), sizes.stream().mapToInt(Integer::intValue).toArray());
        }
        return out;
    }

    private static int paramSize(String entry, String decl) {
        Matcher a = ARRAY.matcher(decl);
        if (a.find()) return Integer.parseInt(a.group(1));
        if (decl.matches(".*\\.[usbf]64\\b.*")) return 8;
        if (decl.matches(".*\\.[usbf]32\\b.*")) return 4;
        if (decl.matches(".*\\.[usbf]16\\b.*")) return 2;
        if (decl.matches(".*\\.[usb]8\\b.*")) return 1;
        throw new IllegalArgumentException("PTX entry " + entry + ": cannot size parameter '" + decl + "'");
    }

    /** Size in bytes of a kernel argument as {@link CudaContext#launch} passes it. */
    static int argSize(Object a) {
        if (a instanceof Integer || a instanceof Float) return 4;
        if (a instanceof Long || a instanceof Double) return 8;
        if (a instanceof int[] s) return 4 * s.length;
        return 8; // a device pointer
    }

    /** Null when the arguments fit the parameter sizes, else a message naming the first mismatch. */
    static String mismatch(String kernel, int[] params, Object[] args) {
        if (params == null) return "kernel " + kernel + " is not in the PTX";
        if (params.length != args.length) return "kernel " + kernel + " takes " + params.length + " parameters, got " + args.length;
        for (int k = 0; k < params.length; k++) {
            int got = argSize(args[k]);
            if (got != params[k]) return "kernel " + kernel + " parameter " + k + " is " + params[k] + " bytes, argument is " + got;
        }
        return null;
    }
}
