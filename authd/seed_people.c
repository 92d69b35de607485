/*
 * authd/seed_people.c — deterministic names and addresses (see seed_people.h).
 */
#include "authd/seed_people.h"

#include <stdio.h>
#include <string.h>

#include "authd/seed_rng.h"

struct name {
    const char *text, *ascii;
};

static const struct name first_names[] = {
    {"Anna", "anna"},     {"Ben", "ben"},         {"Clara", "clara"},   {"David", "david"},   {"Emma", "emma"},
    {"Felix", "felix"},   {"Greta", "greta"},     {"Hannah", "hannah"}, {"Jonas", "jonas"},   {"Jürgen", "juergen"},
    {"Katharina", "katharina"}, {"Lena", "lena"}, {"Lukas", "lukas"},   {"Marie", "marie"},   {"Mia", "mia"},
    {"Noah", "noah"},     {"Olivia", "olivia"},   {"Paul", "paul"},     {"Sophie", "sophie"}, {"Tim", "tim"},
    {"Zoë", "zoe"},       {"Leon", "leon"},       {"Ida", "ida"},       {"Elias", "elias"},   {"Mila", "mila"},
    {"Finn", "finn"},     {"Sarah", "sarah"},     {"Julian", "julian"}, {"Laura", "laura"},   {"Max", "max"},
    {"Chloé", "chloe"},   {"Sem", "sem"},
};

static const struct name last_names[] = {
    {"Müller", "mueller"}, {"Schmidt", "schmidt"}, {"Schneider", "schneider"}, {"Fischer", "fischer"},
    {"Weber", "weber"},    {"Meyer", "meyer"},     {"Wagner", "wagner"},       {"Becker", "becker"},
    {"Schulz", "schulz"},  {"Hoffmann", "hoffmann"}, {"Koch", "koch"},         {"Richter", "richter"},
    {"Klein", "klein"},    {"Wolf", "wolf"},       {"Schröder", "schroeder"},  {"Neumann", "neumann"},
    {"Schwarz", "schwarz"}, {"Braun", "braun"},    {"Zimmermann", "zimmermann"}, {"Krüger", "krueger"},
    {"Hartmann", "hartmann"}, {"Lange", "lange"},  {"Groß", "gross"},          {"Huber", "huber"},
    {"de Vries", "devries"}, {"Dubois", "dubois"}, {"Bauer", "bauer"},         {"Lehmann", "lehmann"},
};

static const char *const streets[] = {
    "Hauptstraße", "Bahnhofstraße", "Gartenweg",  "Lindenallee", "Schillerstraße", "Goethestraße",
    "Bergstraße",  "Kirchplatz",    "Am Markt",   "Rosenweg",    "Waldstraße",     "Mozartstraße",
    "Feldweg",     "Seestraße",     "Ringstraße", "Parkallee",
};

struct city {
    const char *name, *country, *postcode, *phone_prefix;
    unsigned postcode_span; /* how many postcodes after the base one are plausible */
};

static const struct city cities[] = {
    {"Berlin", "DE", "10115", "+49 30", 80},     {"Hamburg", "DE", "20095", "+49 40", 60},
    {"München", "DE", "80331", "+49 89", 60},    {"Köln", "DE", "50667", "+49 221", 60},
    {"Frankfurt am Main", "DE", "60311", "+49 69", 40}, {"Stuttgart", "DE", "70173", "+49 711", 40},
    {"Düsseldorf", "DE", "40210", "+49 211", 30}, {"Leipzig", "DE", "04103", "+49 341", 30},
    {"Dresden", "DE", "01067", "+49 351", 30},    {"Bremen", "DE", "28195", "+49 421", 30},
    {"Hannover", "DE", "30159", "+49 511", 30},   {"Nürnberg", "DE", "90402", "+49 911", 30},
    {"Wien", "AT", "1010", "+43 1", 0},           {"Graz", "AT", "8010", "+43 316", 0},
    {"Amsterdam", "NL", "1012 AB", "+31 20", 0},  {"Paris", "FR", "75001", "+33 1", 19},
    {"Lyon", "FR", "69001", "+33 4", 8},
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Mostly German customers: 12 DE cities take 80%, Austria 10%, the Netherlands and France 10%. */
static const struct city *pick_city(struct seed_rng *r)
{
    unsigned x = seed_rng_below(r, 100);
    if (x < 80)
        return &cities[seed_rng_below(r, 12)];
    if (x < 90)
        return &cities[12 + seed_rng_below(r, 2)];
    return &cities[14 + seed_rng_below(r, 3)];
}

static void make_postcode(struct seed_rng *r, const struct city *c, char *out, size_t outlen)
{
    if (c->postcode_span == 0) {
        snprintf(out, outlen, "%s", c->postcode);
        return;
    }
    unsigned long base = 0;
    for (const char *p = c->postcode; *p; p++)
        base = base * 10 + (unsigned long)(*p - '0');
    snprintf(out, outlen, "%0*lu", (int)5, base + seed_rng_below(r, c->postcode_span));
}

void seed_person_make(uint64_t seed, uint64_t key, struct seed_person *out)
{
    struct seed_rng r;
    memset(out, 0, sizeof *out);
    seed_rng_init(&r, seed_hash2(seed, key), 0x9e0971e5ULL);
    const struct name *f = &first_names[seed_rng_below(&r, N_OF(first_names))];
    const struct name *l = &last_names[seed_rng_below(&r, N_OF(last_names))];
    const struct city *c = pick_city(&r);
    snprintf(out->first, sizeof out->first, "%s", f->text);
    snprintf(out->last, sizeof out->last, "%s", l->text);
    snprintf(out->first_ascii, sizeof out->first_ascii, "%s", f->ascii);
    snprintf(out->last_ascii, sizeof out->last_ascii, "%s", l->ascii);
    if (seed_rng_chance(&r, 80))
        snprintf(out->company, sizeof out->company, "%s %s", l->text, seed_rng_chance(&r, 500) ? "GmbH" : "& Co. KG");
    else
        out->company[0] = '\0';
    snprintf(out->address_1, sizeof out->address_1, "%s %u", streets[seed_rng_below(&r, N_OF(streets))],
             1 + seed_rng_below(&r, 180));
    if (seed_rng_chance(&r, 100))
        snprintf(out->address_2, sizeof out->address_2, "Wohnung %u", 1 + seed_rng_below(&r, 40));
    else
        out->address_2[0] = '\0';
    snprintf(out->city, sizeof out->city, "%s", c->name);
    out->state[0] = '\0';
    make_postcode(&r, c, out->postcode, sizeof out->postcode);
    snprintf(out->country, sizeof out->country, "%s", c->country);
    snprintf(out->phone, sizeof out->phone, "%s %u%06u", c->phone_prefix, 1 + seed_rng_below(&r, 9),
             seed_rng_below(&r, 1000000));
}
