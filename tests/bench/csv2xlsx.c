/*
 * csv2xlsx — the benchmark's workbook: a generated CSV (canaux gen: no
 * quoted field) written as one sheet with libxlsxwriter in constant-memory
 * mode, a cell a field: numbers as numbers, the rest as strings. Built and
 * run by tests/bench/bench.py for the workbook row of `make bench`.
 *
 *   csv2xlsx IN.csv OUT.xlsx
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: csv2xlsx IN.csv OUT.xlsx\n");
        return 1;
    }
    FILE *in = fopen(argv[1], "r");
    if (in == NULL) {
        perror(argv[1]);
        return 2;
    }
    lxw_workbook_options opt = { .constant_memory = LXW_TRUE, .tmpdir = NULL };
    lxw_workbook *wb = workbook_new_opt(argv[2], &opt);
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Lines");
    char line[4096];
    lxw_row_t r = 0;
    while (fgets(line, sizeof line, in)) {
        line[strcspn(line, "\r\n")] = '\0';
        lxw_col_t c = 0;
        for (char *p = line, *q;; p = q + 1, c++) {
            q = strchr(p, ',');
            if (q)
                *q = '\0';
            char *end;
            double v = strtod(p, &end);
            if (r > 0 && *p && *end == '\0')
                worksheet_write_number(ws, r, c, v, NULL);
            else if (*p)
                worksheet_write_string(ws, r, c, p, NULL);
            if (q == NULL)
                break;
        }
        r++;
    }
    fclose(in);
    return workbook_close(wb) == LXW_NO_ERROR ? 0 : 2;
}
