package io.moe4j.eval.harness;

import java.io.IOException;
import java.io.BufferedReader;
import java.util.ArrayList;
import java.util.List;

/**
 * Minimal RFC 4180 reader for MMLU's header-less CSV files: comma separated, fields optionally
 * quoted with {@code "}, a doubled quote {@code ""} inside quotes is one quote, and quoted
 * fields may span lines. No dependency is worth adding for this; Jackson's CSV module is not
 * on our classpath.
 */
final class Csv {
    private Csv() {}

    /** One record and the 1-based line it starts on. */
    record Row(int line, List<String> fields) {}

    /** Malformed input, with the line it was found on. */
    static final class CsvException extends IOException {
        private static final long serialVersionUID = 1L;
        private final int line;

        CsvException(int line, String message) {
            super(message);
            this.line = line;
        }

        int line() {
            return line;
        }
    }

    static List<Row> parse(BufferedReader in) throws IOException {
        Parser p = new Parser(in);
        int c;
        while ((c = in.read()) != -1) {
            if (p.quoted) {
                p.quotedChar(c);
            } else {
                p.plainChar(c);
            }
        }
        return p.finish();
    }

    /** Reader state between characters. */
    private static final class Parser {
        private final BufferedReader in;
        private final List<Row> rows = new ArrayList<>();
        private final List<String> fields = new ArrayList<>();
        private final StringBuilder field = new StringBuilder();
        private int line = 1;
        private int rowStart = 1;
        private boolean quoted;     // inside a quoted field
        private boolean wasQuoted;  // the current field had quotes (so "" is a real empty field)
        private boolean any;        // the current record has at least one character

        Parser(BufferedReader in) {
            this.in = in;
        }

        void quotedChar(int c) throws IOException {
            if (c == '"') {
                in.mark(1);
                int next = in.read();
                if (next == '"') {
                    field.append('"');
                } else {
                    quoted = false;
                    if (next != -1) {
                        in.reset();
                    }
                }
                return;
            }
            if (c == '\n') {
                line++;
            }
            field.append((char) c);
        }

        void plainChar(int c) throws CsvException {
            switch (c) {
                case '"' -> {
                    if (field.length() > 0) {
                        throw new CsvException(line, "quote inside an unquoted field");
                    }
                    quoted = true;
                    wasQuoted = true;
                    any = true;
                }
                case ',' -> {
                    fields.add(field.toString());
                    field.setLength(0);
                    wasQuoted = false;
                    any = true;
                }
                case '\r' -> { /* CRLF: the '\n' ends the record */ }
                case '\n' -> {
                    endRecord();
                    line++;
                    rowStart = line;
                }
                default -> {
                    field.append((char) c);
                    any = true;
                }
            }
        }

        private void endRecord() {
            if (any || field.length() > 0 || wasQuoted) {
                fields.add(field.toString());
                rows.add(new Row(rowStart, List.copyOf(fields)));
            }
            fields.clear();
            field.setLength(0);
            wasQuoted = false;
            any = false;
        }

        List<Row> finish() throws CsvException {
            if (quoted) {
                throw new CsvException(rowStart, "unterminated quoted field");
            }
            endRecord();
            return rows;
        }
    }
}
