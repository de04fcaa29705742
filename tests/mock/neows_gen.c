/* neows_gen.c: generates NeoWs feed bodies shaped like the real API's
 * (compact JSON, the real key order, decimals as strings where the API
 * sends strings). The numbers follow the real relations so that a client's
 * checks hold: diameters come from the absolute magnitude by the JPL formula
 * for albedos 0.25 and 0.05, km/h = km/s * 3600, lunar = au * 389, and
 * close_approach_date_full is the epoch formatted as "%Y-%b-%d %H:%M".
 * Ids are unique within any window: they derive from (day, index), which is
 * injective over 32 * gen_scale consecutive slots per day. */
#include "neows_gen.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define SEED_COUNT 0x6e656f7773636e74ULL /* "neowscnt" */
#define SEED_OBJ 0x6e656f77736f626aULL   /* "neowsobj" */
#define SEED_ORDER 0x6e656f77736f7264ULL /* "neowsord" */
#define KM_PER_AU 149597870.7
#define KM_PER_MILE 1.609344
#define FEET_PER_KM 3280.8399
#define MILES_PER_KM 0.621371192

static const char *const months[12] = {"Jan", "Feb", "Mar", "Apr",
                                       "May", "Jun", "Jul", "Aug",
                                       "Sep", "Oct", "Nov", "Dec"};

int gen_scale = 1;

int gen_day_count(int64_t day)
{
    uint64_t s = SEED_COUNT ^ ((uint64_t)day * 0x9e3779b97f4a7c15ULL);
    return (12 + (int)(mock_splitmix64(&s) % 11)) * gen_scale;
}

static void add_kv_str(struct mbuf *b, const char *k, const char *v)
{
    mbuf_printf(b, "\"%s\":\"", k);
    mbuf_add_json(b, v, strlen(v));
    mbuf_addc(b, '"');
}

static void add_diam(struct mbuf *b, const char *unit, double lo, double hi)
{
    mbuf_printf(b, "\"%s\":{\"estimated_diameter_min\":", unit);
    mbuf_add_decimal(b, lo, 10);
    mbuf_adds(b, ",\"estimated_diameter_max\":");
    mbuf_add_decimal(b, hi, 10);
    mbuf_addc(b, '}');
}

static void add_dec_str(struct mbuf *b, const char *k, double v, int dec)
{
    mbuf_printf(b, "\"%s\":\"", k);
    mbuf_add_decimal(b, v, dec);
    mbuf_addc(b, '"');
}

/* A provisional designation such as "2015 BY512". */
static void add_designation(struct mbuf *b, uint64_t *s)
{
    static const char l1[] = "ABCDEFGHJKLMNOPQRSTUVWXY";
    static const char l2[] = "ABCDEFGHJKLMNOPQRSTUVWXYZ";
    int year = 1990 + (int)(mock_splitmix64(s) % 35);
    char a = l1[mock_splitmix64(s) % 24];
    char c = l2[mock_splitmix64(s) % 25];
    unsigned num = (unsigned)(mock_splitmix64(s) % 600);
    if (num == 0)
        mbuf_printf(b, "%d %c%c", year, a, c);
    else
        mbuf_printf(b, "%d %c%c%u", year, a, c, num);
}

static void add_link(struct mbuf *b, const struct gen_echo *e, const char *path,
                     const char *id)
{
    mbuf_add_json(b, e->base, strlen(e->base));
    mbuf_adds(b, path);
    mbuf_adds(b, id);
    mbuf_adds(b, "?api_key=");
    mbuf_add_json(b, e->key, strlen(e->key));
}

void gen_object(struct mbuf *b, int64_t day, int idx, const struct gen_echo *e)
{
    uint64_t slot =
        (uint64_t)(day - MOCK_DAY_MIN) * 32 * (uint64_t)gen_scale + (uint64_t)idx;
    uint64_t s = SEED_OBJ ^ (slot * 0xd1b54a32d192ed03ULL);
    mock_splitmix64(&s);

    /* Identity: numbered objects "2" + number, unnumbered 3xxxxxx/54xxxxxx. */
    char id[24];
    int numbered = mock_unit(&s) < 0.4;
    uint64_t number = 1 + (slot * 611953ULL) % 999983ULL;
    if (numbered)
        snprintf(id, sizeof(id), "%llu",
                 (unsigned long long)(2000000ULL + number));
    else if (mock_splitmix64(&s) & 1)
        snprintf(id, sizeof(id), "%llu",
                 3000000ULL + (unsigned long long)(slot % 1000000));
    else
        snprintf(id, sizeof(id), "%llu",
                 (unsigned long long)(54000000ULL + slot % 10000000));

    double h =
        numbered ? 15.5 + 8.0 * mock_unit(&s) : 20.0 + 11.0 * mock_unit(&s);
    h = round(h * 100.0) / 100.0;
    double kmin = 1329.0 / sqrt(0.25) * pow(10.0, -h / 5.0);
    double kmax = 1329.0 / sqrt(0.05) * pow(10.0, -h / 5.0);
    int hazardous = h <= 22.0 && mock_unit(&s) < 0.35;
    int sentry = mock_unit(&s) < 0.06;

    int minute = (int)(mock_splitmix64(&s) % 1440);
    long long epoch = ((long long)day * 86400LL + minute * 60LL) * 1000LL;
    double kps = 1.5 + 33.5 * mock_unit(&s);
    kps = round(kps * 1e10) / 1e10;
    double kph = kps * 3600.0;
    double au = 0.0005 + 0.4995 * mock_unit(&s);
    au = round(au * 1e10) / 1e10;
    double km = au * KM_PER_AU;

    mbuf_adds(b, "{\"links\":{\"self\":\"");
    add_link(b, e, "/neo/rest/v1/neo/", id);
    mbuf_adds(b, "\"},");
    add_kv_str(b, "id", id);
    mbuf_addc(b, ',');
    add_kv_str(b, "neo_reference_id", id);
    mbuf_adds(b, ",\"name\":\"");
    if (numbered)
        mbuf_printf(b, "%llu (", (unsigned long long)number);
    else
        mbuf_addc(b, '(');
    add_designation(b, &s);
    mbuf_adds(b, ")\",");
    mbuf_adds(b, "\"nasa_jpl_url\":\"https://ssd.jpl.nasa.gov/tools/"
                 "sbdb_lookup.html#/?sstr=");
    mbuf_adds(b, id);
    mbuf_adds(b, "\",\"absolute_magnitude_h\":");
    mbuf_add_decimal(b, h, 2);
    mbuf_adds(b, ",\"estimated_diameter\":{");
    add_diam(b, "kilometers", kmin, kmax);
    mbuf_addc(b, ',');
    add_diam(b, "meters", kmin * 1000.0, kmax * 1000.0);
    mbuf_addc(b, ',');
    add_diam(b, "miles", kmin * MILES_PER_KM, kmax * MILES_PER_KM);
    mbuf_addc(b, ',');
    add_diam(b, "feet", kmin * FEET_PER_KM, kmax * FEET_PER_KM);
    mbuf_printf(b, "},\"is_potentially_hazardous_asteroid\":%s,",
                hazardous ? "true" : "false");

    char date[11];
    int y, mo, d;
    mock_date_format(day, date);
    mock_civil_from_days(day, &y, &mo, &d);
    mbuf_printf(b,
                "\"close_approach_data\":[{\"close_approach_date\":\"%s\","
                "\"close_approach_date_full\":\"%04d-%s-%02d %02d:%02d\","
                "\"epoch_date_close_approach\":%lld,"
                "\"relative_velocity\":{",
                date, y, months[mo - 1], d, minute / 60, minute % 60, epoch);
    add_dec_str(b, "kilometers_per_second", kps, 10);
    mbuf_addc(b, ',');
    add_dec_str(b, "kilometers_per_hour", kph, 10);
    mbuf_addc(b, ',');
    add_dec_str(b, "miles_per_hour", kph / KM_PER_MILE, 10);
    mbuf_adds(b, "},\"miss_distance\":{");
    add_dec_str(b, "astronomical", au, 10);
    mbuf_addc(b, ',');
    add_dec_str(b, "lunar", au * 389.0, 10);
    mbuf_addc(b, ',');
    add_dec_str(b, "kilometers", km, 9);
    mbuf_addc(b, ',');
    add_dec_str(b, "miles", km / KM_PER_MILE, 10);
    mbuf_printf(b, "},\"orbiting_body\":\"Earth\"}],\"is_sentry_object\":%s",
                sentry ? "true" : "false");
    if (sentry) {
        mbuf_adds(b, ",\"sentry_data\":\"");
        add_link(b, e, "/neo/rest/v1/neo/sentry/", id);
        mbuf_addc(b, '"');
    }
    mbuf_addc(b, '}');
}

static void add_feed_link(struct mbuf *b, const struct gen_echo *e,
                          const char *start, const char *end)
{
    mbuf_add_json(b, e->base, strlen(e->base));
    mbuf_adds(b, "/neo/rest/v1/feed?start_date=");
    mbuf_add_json(b, start, strlen(start));
    mbuf_adds(b, "&end_date=");
    mbuf_add_json(b, end, strlen(end));
    mbuf_adds(b, "&detailed=false&api_key=");
    mbuf_add_json(b, e->key, strlen(e->key));
}

void gen_window(struct mbuf *b, int64_t first, int64_t last,
                const struct gen_echo *e)
{
    int64_t span = last - first;
    int ndays = (int)span + 1;
    int64_t order[16];
    int total = 0;
    if (ndays < 1 || ndays > 16) {
        b->failed = 1;
        return;
    }
    for (int i = 0; i < ndays; i++) {
        order[i] = first + i;
        total += gen_day_count(first + i);
    }
    /* Fisher-Yates, seeded by the window: the real API's day order looks
     * random but a mock must repeat itself. */
    uint64_t s = SEED_ORDER ^ ((uint64_t)first * 31 + (uint64_t)ndays);
    for (int i = ndays - 1; i > 0; i--) {
        int j = (int)(mock_splitmix64(&s) % (uint64_t)(i + 1));
        int64_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }

    /* next = [end, end + span], previous = [start - span, start], the
     * sent text reused where the real API reuses it. */
    char next_end[11], prev_start[11];
    mock_date_format(last + span, next_end);
    mock_date_format(first - span, prev_start);
    mbuf_adds(b, "{\"links\":{\"next\":\"");
    add_feed_link(b, e, e->end, next_end);
    mbuf_adds(b, "\",\"previous\":\"");
    add_feed_link(b, e, prev_start, e->start);
    mbuf_adds(b, "\",\"self\":\"");
    add_feed_link(b, e, e->start, e->end);
    mbuf_printf(b, "\"},\"element_count\":%d,\"near_earth_objects\":{", total);
    for (int i = 0; i < ndays; i++) {
        char date[11];
        mock_date_format(order[i], date);
        mbuf_printf(b, "%s\"%s\":[", i ? "," : "", date);
        int n = gen_day_count(order[i]);
        for (int k = 0; k < n; k++) {
            if (k)
                mbuf_addc(b, ',');
            gen_object(b, order[i], k, e);
        }
        mbuf_addc(b, ']');
    }
    mbuf_adds(b, "}}");
}
