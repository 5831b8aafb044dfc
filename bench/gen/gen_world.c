/*
 * gen_world.c: the world the generated sources describe.
 *
 * A catalogue of real-looking device models (phones, laptops, tablets,
 * smartwatches, headphones, cameras, consoles) expands into products, one per
 * (model, storage, colour); the scale picks how many of those exist.  Each
 * product gets a popularity weight (category share x recency, where devices
 * two years old sell best in the used market, x storage and colour preference
 * x a log-normal factor), drawn through an alias table: a few products carry
 * much of the volume.  Customers are drawn Zipf-like over a seeded ranking
 * (rank r has weight 1/(r+1)^0.7), so heavy customers (resellers) stand out;
 * a customer's country, segment and signup date follow from (seed, id) alone.
 *
 * Prices: fair used value = MSRP x 0.9 x exp(-lambda_category x age) x the
 * condition factor, floored at 8% of MSRP; age counts from the model's
 * release date.  Quoted in the customer's currency through fx_rates, a daily
 * random walk per currency rounded to the 6 decimals the fx_rates file shows
 * (so converting back with the file's rates is exact to the cent).
 *
 * Intensity curves give the expected activity per hour of the year: a daily
 * curve (UTC, the US and Europe awake), a weekly one (weekends busier), and
 * seasons and events (Prime Day, back-to-school, new-iPhone trade-ins, Black
 * Friday, Cyber Monday, Christmas), with some hourly noise.
 *
 * Floating point: everything here is computed once per run, in a fixed
 * order, with IEEE doubles and no fast-math, so it is identical on any
 * thread count.  (libm's exp/pow could differ between libm versions in the
 * last bit, which could flip an alias threshold by one: "same seed, same
 * bytes" is promised on one machine, not across libms.)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/gen/gen_int.h"
#include "format/types.h"

const char *const gen_cat_names[NCATS] = {"phone",      "laptop", "tablet", "smartwatch",
                                          "headphones", "camera", "console"};
const char *const gen_cond_names[NCONDS] = {"A", "B", "C", "refurbished"};
const char *const gen_currency_codes[NCURRENCIES] = {"USD", "EUR", "GBP", "CAD", "AUD",
                                                     "JPY", "CHF", "SEK", "PLN"};
const char *const gen_country_codes[NCOUNTRIES] = {"US", "GB", "DE", "FR", "ES", "IT", "NL",
                                                   "CA", "AU", "JP", "CH", "SE", "PL"};
const uint8_t gen_country_currency[NCOUNTRIES] = {0, 2, 1, 1, 1, 1, 1, 3, 4, 5, 6, 7, 8};
static const double country_share[NCOUNTRIES] = {0.38, 0.12, 0.12, 0.09, 0.04, 0.04, 0.03,
                                                 0.06, 0.04, 0.02, 0.02, 0.02, 0.02};
static const double fx_start[NCURRENCIES] = {1.0,   1.035,  1.25,   0.695, 0.62,
                                             0.0064, 1.10, 0.0905, 0.243};
static const double cat_share[NCATS] = {0.44, 0.14, 0.12, 0.09, 0.10, 0.05, 0.06};
static const double cat_lambda[NCATS] = {0.28, 0.22, 0.22, 0.32, 0.30, 0.14, 0.10};
static const double cat_storage_step[NCATS] = {100, 200, 100, 0, 0, 0, 100};
static const double cond_factor[NCONDS] = {0.93, 0.82, 0.68, 0.88};
static const char *const cat_colors[NCATS] = {"Black,White,Blue,Green", "Silver,Space Gray",
                                              "Space Gray,Silver",      "Black,Silver",
                                              "Black,White",            "Black",
                                              "White"};

/* category, brand, model, sku code, release y/m/d, MSRP of the smallest
 * storage (USD), storages (GB), colours ("" = the category's). */
const gen_model gen_models[] = {
    {CAT_PHONE, "Apple", "iPhone 11", "IP11", 2019, 9, 20, 699, "64,128,256", "Black,White,Purple,Red"},
    {CAT_PHONE, "Apple", "iPhone 11 Pro", "IP11P", 2019, 9, 20, 999, "64,256,512", "Midnight Green,Space Gray,Silver,Gold"},
    {CAT_PHONE, "Apple", "iPhone SE 2020", "IPSE2", 2020, 4, 24, 399, "64,128,256", "Black,White,Red"},
    {CAT_PHONE, "Apple", "iPhone 12", "IP12", 2020, 10, 23, 799, "64,128,256", "Black,White,Blue,Green"},
    {CAT_PHONE, "Apple", "iPhone 12 Pro", "IP12P", 2020, 10, 23, 999, "128,256,512", "Graphite,Silver,Gold,Pacific Blue"},
    {CAT_PHONE, "Apple", "iPhone 13", "IP13", 2021, 9, 24, 799, "128,256,512", "Midnight,Starlight,Blue,Pink"},
    {CAT_PHONE, "Apple", "iPhone 13 mini", "IP13M", 2021, 9, 24, 699, "128,256,512", "Midnight,Starlight,Blue"},
    {CAT_PHONE, "Apple", "iPhone 13 Pro", "IP13P", 2021, 9, 24, 999, "128,256,512,1024", "Graphite,Silver,Gold,Sierra Blue"},
    {CAT_PHONE, "Apple", "iPhone 14", "IP14", 2022, 9, 16, 799, "128,256,512", "Midnight,Starlight,Blue,Purple"},
    {CAT_PHONE, "Apple", "iPhone 14 Pro", "IP14P", 2022, 9, 16, 999, "128,256,512,1024", "Space Black,Silver,Gold,Deep Purple"},
    {CAT_PHONE, "Apple", "iPhone 14 Pro Max", "IP14PM", 2022, 9, 16, 1099, "128,256,512,1024", "Space Black,Silver,Gold,Deep Purple"},
    {CAT_PHONE, "Apple", "iPhone 15", "IP15", 2023, 9, 22, 799, "128,256,512", "Black,Blue,Green,Pink"},
    {CAT_PHONE, "Apple", "iPhone 15 Pro", "IP15P", 2023, 9, 22, 999, "128,256,512,1024", "Natural Titanium,Black Titanium,Blue Titanium,White Titanium"},
    {CAT_PHONE, "Apple", "iPhone 15 Pro Max", "IP15PM", 2023, 9, 22, 1199, "256,512,1024", "Natural Titanium,Black Titanium,Blue Titanium"},
    {CAT_PHONE, "Apple", "iPhone 16", "IP16", 2024, 9, 20, 799, "128,256,512", "Black,White,Ultramarine,Teal"},
    {CAT_PHONE, "Apple", "iPhone 16 Pro", "IP16P", 2024, 9, 20, 999, "128,256,512,1024", "Desert Titanium,Black Titanium,Natural Titanium"},
    {CAT_PHONE, "Samsung", "Galaxy S20", "GS20", 2020, 3, 6, 999, "128", "Cosmic Gray,Cloud Blue,Cloud Pink"},
    {CAT_PHONE, "Samsung", "Galaxy S21", "GS21", 2021, 1, 29, 799, "128,256", "Phantom Gray,Phantom White,Phantom Violet"},
    {CAT_PHONE, "Samsung", "Galaxy S21 Ultra", "GS21U", 2021, 1, 29, 1199, "128,256,512", "Phantom Black,Phantom Silver"},
    {CAT_PHONE, "Samsung", "Galaxy S22", "GS22", 2022, 2, 25, 799, "128,256", "Phantom Black,Phantom White,Green"},
    {CAT_PHONE, "Samsung", "Galaxy S22 Ultra", "GS22U", 2022, 2, 25, 1199, "128,256,512", "Phantom Black,Burgundy,Green"},
    {CAT_PHONE, "Samsung", "Galaxy S23", "GS23", 2023, 2, 17, 799, "128,256", "Phantom Black,Cream,Lavender"},
    {CAT_PHONE, "Samsung", "Galaxy S23 Ultra", "GS23U", 2023, 2, 17, 1199, "256,512,1024", "Phantom Black,Cream,Green"},
    {CAT_PHONE, "Samsung", "Galaxy S24", "GS24", 2024, 1, 31, 799, "128,256", "Onyx Black,Marble Gray,Cobalt Violet"},
    {CAT_PHONE, "Samsung", "Galaxy S24 Ultra", "GS24U", 2024, 1, 31, 1299, "256,512,1024", "Titanium Black,Titanium Gray,Titanium Violet"},
    {CAT_PHONE, "Samsung", "Galaxy Z Flip5", "GZF5", 2023, 8, 11, 999, "256,512", "Mint,Graphite,Lavender"},
    {CAT_PHONE, "Samsung", "Galaxy Z Fold5", "GZFD5", 2023, 8, 11, 1799, "256,512,1024", "Phantom Black,Icy Blue,Cream"},
    {CAT_PHONE, "Samsung", "Galaxy A54", "GA54", 2023, 3, 24, 449, "128,256", "Awesome Graphite,Awesome Violet"},
    {CAT_PHONE, "Google", "Pixel 6", "PX6", 2021, 10, 28, 599, "128,256", "Stormy Black,Sorta Seafoam"},
    {CAT_PHONE, "Google", "Pixel 7", "PX7", 2022, 10, 13, 599, "128,256", "Obsidian,Snow,Lemongrass"},
    {CAT_PHONE, "Google", "Pixel 7 Pro", "PX7P", 2022, 10, 13, 899, "128,256,512", "Obsidian,Snow,Hazel"},
    {CAT_PHONE, "Google", "Pixel 8", "PX8", 2023, 10, 12, 699, "128,256", "Obsidian,Hazel,Rose"},
    {CAT_PHONE, "Google", "Pixel 8 Pro", "PX8P", 2023, 10, 12, 999, "128,256,512", "Obsidian,Porcelain,Bay"},
    {CAT_PHONE, "Google", "Pixel 9", "PX9", 2024, 8, 22, 799, "128,256", "Obsidian,Porcelain,Peony"},
    {CAT_PHONE, "OnePlus", "OnePlus 11", "OP11", 2023, 2, 16, 699, "128,256", "Titan Black,Eternal Green"},
    {CAT_PHONE, "OnePlus", "OnePlus 12", "OP12", 2024, 1, 23, 799, "256,512", "Silky Black,Flowy Emerald"},
    {CAT_PHONE, "Xiaomi", "13T Pro", "X13TP", 2023, 9, 26, 799, "256,512", "Black,Meadow Green,Alpine Blue"},
    {CAT_PHONE, "Motorola", "Edge 40", "ME40", 2023, 5, 4, 599, "256", "Eclipse Black,Nebula Green"},
    {CAT_LAPTOP, "Apple", "MacBook Air M1", "MBAM1", 2020, 11, 17, 999, "256,512,1024", "Space Gray,Silver,Gold"},
    {CAT_LAPTOP, "Apple", "MacBook Air M2", "MBAM2", 2022, 7, 15, 1199, "256,512,1024", "Midnight,Starlight,Space Gray,Silver"},
    {CAT_LAPTOP, "Apple", "MacBook Air M3", "MBAM3", 2024, 3, 8, 1099, "256,512,1024", "Midnight,Starlight,Space Gray,Silver"},
    {CAT_LAPTOP, "Apple", "MacBook Pro 14 M1 Pro", "MBP14M1", 2021, 10, 26, 1999, "512,1024", "Space Gray,Silver"},
    {CAT_LAPTOP, "Apple", "MacBook Pro 14 M3", "MBP14M3", 2023, 11, 7, 1599, "512,1024", "Space Gray,Silver"},
    {CAT_LAPTOP, "Apple", "MacBook Pro 16 M2 Pro", "MBP16M2", 2023, 1, 24, 2499, "512,1024", "Space Gray,Silver"},
    {CAT_LAPTOP, "Dell", "XPS 13 9310", "XPS13", 2020, 10, 1, 999, "256,512,1024", "Platinum Silver,Frost White"},
    {CAT_LAPTOP, "Dell", "XPS 15 9520", "XPS15", 2022, 3, 15, 1499, "512,1024", "Platinum Silver"},
    {CAT_LAPTOP, "Lenovo", "ThinkPad X1 Carbon Gen 10", "X1C10", 2022, 3, 1, 1649, "256,512,1024", "Black"},
    {CAT_LAPTOP, "Lenovo", "ThinkPad T14 Gen 3", "T14G3", 2022, 4, 1, 1149, "256,512", "Thunder Black"},
    {CAT_LAPTOP, "HP", "Spectre x360 14", "SPX360", 2021, 5, 1, 1299, "512,1024", "Nightfall Black,Poseidon Blue"},
    {CAT_LAPTOP, "HP", "EliteBook 840 G8", "EB840G8", 2021, 3, 1, 1099, "256,512", "Silver"},
    {CAT_LAPTOP, "Asus", "ZenBook 14", "ZB14", 2022, 6, 1, 899, "512", "Pine Grey,Aqua Celadon"},
    {CAT_LAPTOP, "Asus", "ROG Zephyrus G14", "ROGG14", 2022, 3, 1, 1599, "512,1024", "Moonlight White,Eclipse Gray"},
    {CAT_LAPTOP, "Microsoft", "Surface Laptop 5", "SL5", 2022, 10, 25, 999, "256,512", "Platinum,Matte Black,Sage"},
    {CAT_TABLET, "Apple", "iPad 9", "IPAD9", 2021, 9, 24, 329, "64,256", "Space Gray,Silver"},
    {CAT_TABLET, "Apple", "iPad 10", "IPAD10", 2022, 10, 26, 449, "64,256", "Blue,Pink,Yellow,Silver"},
    {CAT_TABLET, "Apple", "iPad Air 5", "IPADA5", 2022, 3, 18, 599, "64,256", "Space Gray,Starlight,Purple,Blue"},
    {CAT_TABLET, "Apple", "iPad Pro 11 M2", "IPADP11", 2022, 10, 26, 799, "128,256,512,1024", "Space Gray,Silver"},
    {CAT_TABLET, "Apple", "iPad Pro 12.9 M2", "IPADP12", 2022, 10, 26, 1099, "128,256,512,1024", "Space Gray,Silver"},
    {CAT_TABLET, "Apple", "iPad mini 6", "IPADM6", 2021, 9, 24, 499, "64,256", "Space Gray,Pink,Purple,Starlight"},
    {CAT_TABLET, "Samsung", "Galaxy Tab S8", "GTS8", 2022, 2, 25, 699, "128,256", "Graphite,Silver,Pink Gold"},
    {CAT_TABLET, "Samsung", "Galaxy Tab S9", "GTS9", 2023, 8, 11, 799, "128,256", "Graphite,Beige"},
    {CAT_TABLET, "Microsoft", "Surface Pro 9", "SP9", 2022, 10, 25, 999, "128,256,512", "Platinum,Graphite,Sapphire,Forest"},
    {CAT_TABLET, "Lenovo", "Tab P11", "TP11", 2021, 1, 15, 229, "64,128", "Slate Grey"},
    {CAT_WATCH, "Apple", "Watch Series 7", "AW7", 2021, 10, 15, 399, "", "Midnight,Starlight,Green,Blue,Red"},
    {CAT_WATCH, "Apple", "Watch Series 8", "AW8", 2022, 9, 16, 399, "", "Midnight,Starlight,Silver,Red"},
    {CAT_WATCH, "Apple", "Watch Series 9", "AW9", 2023, 9, 22, 399, "", "Midnight,Starlight,Silver,Pink,Red"},
    {CAT_WATCH, "Apple", "Watch Ultra", "AWU", 2022, 9, 23, 799, "", "Titanium"},
    {CAT_WATCH, "Apple", "Watch SE", "AWSE", 2022, 9, 16, 249, "", "Midnight,Starlight,Silver"},
    {CAT_WATCH, "Samsung", "Galaxy Watch5", "GW5", 2022, 8, 26, 279, "", "Graphite,Silver,Pink Gold"},
    {CAT_WATCH, "Samsung", "Galaxy Watch6", "GW6", 2023, 8, 11, 299, "", "Graphite,Gold,Silver"},
    {CAT_WATCH, "Garmin", "Fenix 7", "FNX7", 2022, 1, 18, 699, "", "Slate Gray,Silver"},
    {CAT_WATCH, "Garmin", "Forerunner 265", "FR265", 2023, 3, 2, 449, "", "Black,Whitestone,Aqua"},
    {CAT_WATCH, "Fitbit", "Versa 4", "FBV4", 2022, 9, 29, 229, "", "Black,Waterfall Blue,Pink Sand"},
    {CAT_AUDIO, "Apple", "AirPods Pro 2", "APP2", 2022, 9, 23, 249, "", "White"},
    {CAT_AUDIO, "Apple", "AirPods Max", "APM", 2020, 12, 15, 549, "", "Space Gray,Silver,Sky Blue,Green,Pink"},
    {CAT_AUDIO, "Sony", "WH-1000XM4", "WH1000XM4", 2020, 8, 6, 349, "", "Black,Silver,Midnight Blue"},
    {CAT_AUDIO, "Sony", "WH-1000XM5", "WH1000XM5", 2022, 5, 20, 399, "", "Black,Silver,Midnight Blue"},
    {CAT_AUDIO, "Sony", "WF-1000XM4", "WF1000XM4", 2021, 6, 8, 279, "", "Black,Silver"},
    {CAT_AUDIO, "Bose", "QuietComfort 45", "QC45", 2021, 9, 23, 329, "", "Black,White Smoke"},
    {CAT_AUDIO, "Bose", "QuietComfort Ultra", "QCU", 2023, 10, 3, 429, "", "Black,White Smoke"},
    {CAT_AUDIO, "Sennheiser", "Momentum 4", "MTM4", 2022, 8, 9, 349, "", "Black,White"},
    {CAT_AUDIO, "Samsung", "Galaxy Buds2 Pro", "GB2P", 2022, 8, 26, 229, "", "Graphite,White,Bora Purple"},
    {CAT_CAMERA, "Canon", "EOS R6", "EOSR6", 2020, 8, 27, 2499, "", "Black"},
    {CAT_CAMERA, "Canon", "EOS R5", "EOSR5", 2020, 7, 30, 3899, "", "Black"},
    {CAT_CAMERA, "Canon", "EOS M50 Mark II", "EOSM50", 2020, 10, 14, 599, "", "Black,White"},
    {CAT_CAMERA, "Sony", "Alpha 7 III", "A7III", 2018, 4, 10, 1999, "", "Black"},
    {CAT_CAMERA, "Sony", "Alpha 7 IV", "A7IV", 2021, 12, 23, 2499, "", "Black"},
    {CAT_CAMERA, "Nikon", "Z6 II", "Z6II", 2020, 11, 5, 1999, "", "Black"},
    {CAT_CAMERA, "Nikon", "Z50", "Z50", 2019, 11, 7, 859, "", "Black"},
    {CAT_CAMERA, "Fujifilm", "X-T4", "XT4", 2020, 4, 28, 1699, "", "Black,Silver"},
    {CAT_CAMERA, "Fujifilm", "X100V", "X100V", 2020, 2, 27, 1399, "", "Black,Silver"},
    {CAT_CAMERA, "GoPro", "HERO11 Black", "HERO11", 2022, 9, 14, 499, "", "Black"},
    {CAT_CAMERA, "GoPro", "HERO12 Black", "HERO12", 2023, 9, 13, 399, "", "Black"},
    {CAT_CONSOLE, "Sony", "PlayStation 5", "PS5", 2020, 11, 12, 499, "825", "White"},
    {CAT_CONSOLE, "Sony", "PlayStation 5 Digital Edition", "PS5D", 2020, 11, 12, 399, "825", "White"},
    {CAT_CONSOLE, "Sony", "PlayStation 4 Pro", "PS4P", 2016, 11, 10, 399, "1024", "Jet Black"},
    {CAT_CONSOLE, "Microsoft", "Xbox Series X", "XSX", 2020, 11, 10, 499, "1024", "Black"},
    {CAT_CONSOLE, "Microsoft", "Xbox Series S", "XSS", 2020, 11, 10, 299, "512", "Robot White"},
    {CAT_CONSOLE, "Nintendo", "Switch OLED", "NSWO", 2021, 10, 8, 349, "64", "White,Neon Red/Blue"},
    {CAT_CONSOLE, "Nintendo", "Switch", "NSW", 2017, 3, 3, 299, "32", "Gray,Neon Red/Blue"},
    {CAT_CONSOLE, "Nintendo", "Switch Lite", "NSWL", 2019, 9, 20, 199, "32", "Yellow,Gray,Turquoise,Coral"},
    {CAT_CONSOLE, "Valve", "Steam Deck", "SD", 2022, 2, 25, 399, "64,256,512", "Black"},
    {CAT_CONSOLE, "Valve", "Steam Deck OLED", "SDO", 2023, 11, 16, 549, "512,1024", "Black"},
};
const uint32_t gen_nmodels = sizeof gen_models / sizeof gen_models[0];

/* ---- alias tables ------------------------------------------------------- */

st_status gen_alias_build(gen_alias *a, const double *w, uint32_t n, st_error *e) {
    memset(a, 0, sizeof *a);
    if (n == 0) return st_error_set(e, ST_ERR_INTERNAL, "gen: empty distribution");
    double *p = malloc(sizeof(double) * n);
    uint32_t *small = malloc(sizeof(uint32_t) * n), *large = malloc(sizeof(uint32_t) * n);
    a->thr = malloc(sizeof(uint32_t) * n);
    a->alias = malloc(sizeof(uint32_t) * n);
    if (!p || !small || !large || !a->thr || !a->alias) {
        free(p), free(small), free(large);
        gen_alias_free(a);
        return st_error_set(e, ST_ERR_NOMEM, "gen: out of memory");
    }
    a->n = n;
    double sum = 0;
    for (uint32_t i = 0; i < n; i++) sum += w[i];
    uint32_t ns = 0, nl = 0;
    for (uint32_t i = 0; i < n; i++) {
        p[i] = w[i] * n / sum;
        if (p[i] < 1.0) small[ns++] = i;
        else large[nl++] = i;
    }
    while (ns && nl) {
        uint32_t s = small[--ns], l = large[--nl];
        a->thr[s] = (uint32_t)(p[s] * 4294967296.0);
        a->alias[s] = l;
        p[l] = (p[l] + p[s]) - 1.0;
        if (p[l] < 1.0) small[ns++] = l;
        else large[nl++] = l;
    }
    while (nl) {
        uint32_t l = large[--nl];
        a->thr[l] = UINT32_MAX;
        a->alias[l] = l;
    }
    while (ns) { /* rounding leftovers: accept always */
        uint32_t s = small[--ns];
        a->thr[s] = UINT32_MAX;
        a->alias[s] = s;
    }
    free(p), free(small), free(large);
    return ST_OK;
}

void gen_alias_free(gen_alias *a) {
    free(a->thr);
    free(a->alias);
    a->thr = a->alias = NULL;
    a->n = 0;
}

/* ---- calendar and intensity -------------------------------------------- */

static int month_of_day(int d, int *mday) {
    int64_t y;
    unsigned m, dd;
    st_civil_from_days(GEN_DAY0 + d, &y, &m, &dd);
    *mday = (int)dd;
    return (int)m;
}

static double season(int d) {
    static const double month_base[13] = {0, 0.90, 0.82, 0.88, 0.90, 0.92, 0.92,
                                           0.98, 1.00, 1.05, 1.00, 1.15, 1.30};
    int md, m = month_of_day(d, &md);
    double f = month_base[m];
    if (m == 1 && md == 1) f *= 0.7;
    if (m == 7 && md >= 8 && md <= 11) f *= 1.8;                          /* Prime Day */
    if ((m == 8 && md >= 15) || (m == 9 && md <= 7)) f *= 1.15;           /* school */
    if ((m == 9 && md >= 19) || (m == 10 && md <= 5)) f *= 1.25;          /* trade-ins */
    if (m == 11 && md >= 24 && md <= 30) f *= (md == 28 ? 3.0 : 1.7);     /* Black Friday */
    if (m == 12 && md == 1) f *= 2.4;                                     /* Cyber Monday */
    if (m == 12 && md >= 2 && md <= 20) f *= 1.2;
    if (m == 12 && (md == 24 || md == 25)) f *= 0.55;
    if (m == 12 && md >= 26) f *= 1.1;
    return f;
}

double gen_promo_level(int64_t t_ms) {
    int d = (int)((t_ms - GEN_T0) / GEN_MS_DAY);
    if (d < 0 || d >= GEN_DAYS) return 0;
    int md, m = month_of_day(d, &md);
    if ((m == 11 && md == 28) || (m == 12 && md == 1)) return 1.0;
    if (m == 11 && md >= 24) return 0.6;
    if (m == 7 && md >= 8 && md <= 11) return 0.5;
    if (m == 12 && md <= 20) return 0.3;
    return 0;
}

static void build_curves(gen_world *w) {
    static const double hourly[24] = {0.55, 0.45, 0.38, 0.32, 0.28, 0.30, 0.40, 0.55,
                                      0.70, 0.80, 0.85, 0.90, 0.95, 1.00, 1.05, 1.10,
                                      1.15, 1.20, 1.25, 1.30, 1.25, 1.10, 0.90, 0.70};
    static const double weekly[7] = {1.18, 0.96, 0.92, 0.94, 0.98, 1.04, 1.14}; /* Sun.. */
    for (int d = 0; d < GEN_DAYS; d++) {
        int dow = (int)((GEN_DAY0 + d + 4) % 7);
        double s = season(d), promo = gen_promo_level(GEN_T0 + d * GEN_MS_DAY);
        w->promo[d] = promo;
        for (int h = 0; h < 24; h++) {
            int i = d * 24 + h;
            gen_rng r = gen_rng_at(w->seed, TAG_NOISE, (uint64_t)i);
            double noise = 1.0 + 0.15 * gen_normal(&r);
            if (noise < 0.3) noise = 0.3;
            w->sales_hour_w[i] = s * weekly[dow] * hourly[h] * noise;
            double n2 = 1.0 + 0.1 * gen_normal(&r);
            w->flat_hour_w[i] = (dow == 1 ? 1.3 : 1.0) * (1.0 + 0.5 * promo) * n2;
            w->scrape_hour_w[i] = (h >= 1 && h <= 4 ? 1.0 : 0.02) * (1.0 + 0.1 * gen_normal(&r));
        }
    }
}

/* ---- allocation of entities over the hours of the year ------------------ */

void gen_alloc_build(gen_alloc *a, const double *w, uint64_t n, int64_t span_ms, uint64_t seed,
                        uint64_t tag) {
    double total = 0, cum = 0;
    for (int h = 0; h < GEN_HOURS; h++) total += w[h];
    a->n = n;
    a->span_ms = span_ms;
    a->seed = seed;
    a->tag = tag;
    for (int h = 0; h < GEN_HOURS; h++) {
        double v = (double)n * (cum / total);
        uint64_t s = (uint64_t)(v + 0.5);
        a->start[h] = s > n ? n : s;
        cum += w[h];
    }
    a->start[GEN_HOURS] = n;
}

/* hour h such that start[h] <= k < start[h+1] */
uint32_t gen_alloc_hour(const gen_alloc *a, uint64_t k) {
    uint32_t lo = 0, hi = GEN_HOURS; /* answer in [lo, hi) */
    while (hi - lo > 1) {
        uint32_t mid = (lo + hi) / 2;
        if (a->start[mid] <= k) lo = mid;
        else hi = mid;
    }
    return lo;
}

int64_t gen_alloc_time(const gen_alloc *a, uint32_t h, uint64_t k) {
    uint64_t cnt = a->start[h + 1] - a->start[h], j = k - a->start[h];
    gen_rng r = gen_rng_at(a->seed, TAG_ALLOC + a->tag * 16, k);
    double u = gen_unif(&r);
    return GEN_T0 + (int64_t)h * GEN_MS_HOUR + (int64_t)(((double)j + u) / (double)cnt * (double)a->span_ms);
}

/* first entity placed at or after hour h */
uint64_t gen_alloc_first_of_hour(const gen_alloc *a, int64_t h) {
    if (h <= 0) return 0;
    if (h >= GEN_HOURS) return a->n;
    return a->start[h];
}

/* ---- products ----------------------------------------------------------- */

static int split_list(const char *s, char out[][24], int max) {
    int n = 0;
    while (*s && n < max) {
        size_t k = strcspn(s, ",");
        if (k > 23) k = 23;
        memcpy(out[n], s, k);
        out[n][k] = '\0';
        n++;
        s += k;
        if (*s == ',') s++;
    }
    return n;
}

static int model_storages(const gen_model *m, uint16_t *out) {
    char parts[8][24];
    int n = split_list(m->storages, parts, 8);
    for (int i = 0; i < n; i++) out[i] = (uint16_t)atoi(parts[i]);
    if (n == 0) out[n++] = 0;
    return n;
}

static int model_colors(const gen_model *m, char out[][24]) {
    return split_list(m->colors[0] ? m->colors : cat_colors[m->cat], out, 8);
}

/* "Space Gray" -> "SG", "Black" -> "BK", "Neon Red/Blue" -> "NRB" */
static void color_code(const char *c, char *out) {
    int n = 0, words = 0;
    for (const char *p = c; *p; p++)
        if (p == c || p[-1] == ' ' || p[-1] == '/') {
            if (n < 4) out[n++] = (char)(*p & ~0x20);
            words++;
        }
    if (words == 1) {
        size_t L = strlen(c);
        out[0] = (char)(c[0] & ~0x20);
        out[1] = (char)(c[L - 1] & ~0x20);
        n = 2;
    }
    out[n] = '\0';
}

static uint32_t product_space(void) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < gen_nmodels; i++) {
        uint16_t st[8];
        char cols[8][24];
        n += (uint32_t)(model_storages(&gen_models[i], st) * model_colors(&gen_models[i], cols));
    }
    return n;
}

uint32_t gen_world_product_count(double scale) {
    uint32_t space = product_space();
    double frac = sqrt(scale / 0.5);
    if (frac > 1) frac = 1;
    if (frac < 0.1) frac = 0.1;
    uint32_t n = (uint32_t)llround(space * frac);
    uint32_t lo = space < 40 ? space : 40;
    return n < lo ? lo : n > space ? space : n;
}

uint32_t gen_world_customer_count(double scale) {
    double n = llround(100000.0 * scale);
    return n < 50 ? 50 : (uint32_t)n;
}

typedef struct combo {
    uint16_t model, storage_gb;
    uint8_t storage_idx, color_idx;
    uint64_t key;
} combo;

static int by_key(const void *a, const void *b) {
    const combo *x = a, *y = b;
    return x->key < y->key ? -1 : x->key > y->key;
}
static int by_release(const void *a, const void *b) {
    const combo *x = a, *y = b;
    const gen_model *mx = &gen_models[x->model], *my = &gen_models[y->model];
    int dx = mx->year * 400 + mx->month * 32 + mx->day, dy = my->year * 400 + my->month * 32 + my->day;
    if (dx != dy) return dx < dy ? -1 : 1;
    if (x->model != y->model) return x->model < y->model ? -1 : 1;
    /* a model's variants in a seeded listing order (the base variant first):
     * ids, like a real catalogue's, are arbitrary, and differ per seed */
    return x->key < y->key ? -1 : x->key > y->key;
}

static st_status build_products(gen_world *w, st_error *e) {
    uint32_t space = product_space(), n = gen_world_product_count(w->scale);
    combo *all = malloc(sizeof(combo) * space);
    w->products = calloc(n, sizeof(gen_product));
    double *weight = malloc(sizeof(double) * n);
    if (!all || !w->products || !weight) {
        free(all), free(weight);
        return st_error_set(e, ST_ERR_NOMEM, "gen: out of memory");
    }
    uint32_t k = 0;
    for (uint32_t m = 0; m < gen_nmodels; m++) {
        uint16_t st[8];
        char cols[8][24];
        int ns = model_storages(&gen_models[m], st), nc = model_colors(&gen_models[m], cols);
        for (int i = 0; i < ns; i++)
            for (int j = 0; j < nc; j++) {
                combo *c = &all[k];
                c->model = (uint16_t)m;
                c->storage_gb = st[i];
                c->storage_idx = (uint8_t)i;
                c->color_idx = (uint8_t)j;
                gen_rng r = gen_rng_at(w->seed, TAG_PROD, k);
                /* every model's first variant first, then a seeded choice */
                c->key = (i == 0 && j == 0 ? 0 : UINT64_C(1) << 63) | (gen_next(&r) >> 1);
                k++;
            }
    }
    qsort(all, space, sizeof(combo), by_key);
    qsort(all, n, sizeof(combo), by_release);
    double cat_total[NCATS] = {0};
    for (uint32_t i = 0; i < n; i++) {
        const combo *c = &all[i];
        const gen_model *m = &gen_models[c->model];
        gen_product *p = &w->products[i];
        char cols[8][24], cc[8];
        model_colors(m, cols);
        p->id = i + 1;
        p->model = c->model;
        p->storage_gb = c->storage_gb;
        snprintf(p->color, sizeof p->color, "%s", cols[c->color_idx]);
        color_code(p->color, cc);
        /* colour codes can collide inside a model (Black/Blue -> BK/BE do
         * not, but be safe): append the colour index when they do */
        for (int j = 0; j < c->color_idx; j++) {
            char other[8];
            color_code(cols[j], other);
            if (!strcmp(other, cc)) {
                size_t L = strlen(cc);
                cc[L] = (char)('0' + c->color_idx);
                cc[L + 1] = '\0';
                break;
            }
        }
        int len;
        if (p->storage_gb)
            len = snprintf(p->sku, sizeof p->sku, "%s-%u-%s", m->code, p->storage_gb, cc);
        else
            len = snprintf(p->sku, sizeof p->sku, "%s-%s", m->code, cc);
        p->sku_len = (uint8_t)len;
        int si = c->storage_idx;
        p->msrp = m->msrp + cat_storage_step[m->cat] * si * (si + 1) / 2.0;
        p->age_at_t0 = (GEN_DAY0 - st_days_from_civil(m->year, m->month, m->day)) / 365.25;
        double age_mid = p->age_at_t0 + 0.5;
        double recency = exp(-0.45 * fabs(age_mid - 2.0));
        static const double storage_pref[8] = {1.0, 0.9, 0.5, 0.25, 0.15, 0.1, 0.1, 0.1};
        static const double color_pref[8] = {1.0, 0.7, 0.5, 0.4, 0.3, 0.3, 0.3, 0.3};
        gen_rng r = gen_rng_at(w->seed, TAG_PROD, UINT64_C(1) << 40 | i);
        double noise = exp(0.8 * gen_normal(&r));
        weight[i] = recency * storage_pref[si] * color_pref[c->color_idx] * noise;
        cat_total[m->cat] += weight[i];
    }
    for (uint32_t i = 0; i < n; i++) {
        int cat = gen_models[w->products[i].model].cat;
        weight[i] = cat_total[cat] > 0 ? cat_share[cat] * weight[i] / cat_total[cat] : 0;
    }
    w->nproducts = n;
    st_status rc = gen_alias_build(&w->product_pop, weight, n, e);
    free(all);
    free(weight);
    return rc;
}

/* ---- customers ---------------------------------------------------------- */

static st_status build_customers(gen_world *w, st_error *e) {
    uint32_t n = gen_world_customer_count(w->scale);
    w->ncustomers = n;
    w->cust_by_rank = malloc(sizeof(uint32_t) * n);
    w->rank_of_cust = malloc(sizeof(uint32_t) * n);
    double *weight = malloc(sizeof(double) * n);
    if (!w->cust_by_rank || !w->rank_of_cust || !weight) {
        free(weight);
        return st_error_set(e, ST_ERR_NOMEM, "gen: out of memory");
    }
    for (uint32_t i = 0; i < n; i++) w->cust_by_rank[i] = i + 1;
    gen_rng r = gen_rng_at(w->seed, TAG_PERM, 0);
    for (uint32_t i = n - 1; i > 0; i--) {
        uint32_t j = gen_below(&r, i + 1);
        uint32_t t = w->cust_by_rank[i];
        w->cust_by_rank[i] = w->cust_by_rank[j];
        w->cust_by_rank[j] = t;
    }
    for (uint32_t i = 0; i < n; i++) {
        w->rank_of_cust[w->cust_by_rank[i] - 1] = i;
        weight[i] = pow((double)i + 1.0, -0.7);
    }
    st_status rc = gen_alias_build(&w->cust_pop, weight, n, e);
    free(weight);
    return rc;
}

int gen_customer_country(const gen_world *w, uint32_t id) {
    gen_rng r = gen_rng_at(w->seed, TAG_CUST, id);
    double u = gen_unif(&r), acc = 0;
    for (int i = 0; i < NCOUNTRIES; i++) {
        acc += country_share[i];
        if (u < acc) return i;
    }
    return 0;
}

const char *gen_customer_segment(const gen_world *w, uint32_t id) {
    if (id < 1 || id > w->ncustomers) return "consumer";
    double rank = w->rank_of_cust[id - 1];
    if (rank < w->ncustomers * 0.002 || rank < 1) return "reseller";
    if (rank < w->ncustomers * 0.05) return "business";
    gen_rng r = gen_rng_at(w->seed, TAG_CUST, UINT64_C(1) << 40 | id);
    return gen_chance(&r, 0.06) ? "education" : "consumer";
}

int32_t gen_customer_signup(const gen_world *w, uint32_t id) {
    gen_rng r = gen_rng_at(w->seed, TAG_CUST, UINT64_C(2) << 40 | id);
    const int32_t from = 16801 /* 2016-01-01 */, to = GEN_DAY0 - 1;
    double x = sqrt(gen_unif(&r)); /* more recent signups are more common */
    if (id >= 1 && id <= w->ncustomers && w->rank_of_cust[id - 1] < w->ncustomers * 0.05)
        x *= 0.6; /* heavy customers have been around longer */
    return from + (int32_t)(x * (to - from));
}

/* ---- prices ------------------------------------------------------------- */

double gen_model_value(const gen_world *w, uint32_t model, int64_t t_ms) {
    (void)w;
    const gen_model *m = &gen_models[model];
    double age = (GEN_DAY0 - st_days_from_civil(m->year, m->month, m->day)) / 365.25 +
                 (double)(t_ms - GEN_T0) / (365.25 * GEN_MS_DAY);
    double v = 0.9 * exp(-cat_lambda[m->cat] * age);
    return v < 0.08 ? 0.08 : v;
}

double gen_fair_usd(const gen_world *w, uint32_t p, int cond, int64_t t_ms) {
    const gen_product *pr = &w->products[p];
    const gen_model *m = &gen_models[pr->model];
    double age = pr->age_at_t0 + (double)(t_ms - GEN_T0) / (365.25 * GEN_MS_DAY);
    double v = 0.9 * exp(-cat_lambda[m->cat] * age) * cond_factor[cond];
    if (v < 0.08) v = 0.08;
    return pr->msrp * v;
}

/* ---- search queries ----------------------------------------------------- */

static size_t lower_into(char *out, size_t cap, const char *s) {
    size_t n = 0;
    for (; *s && n + 1 < cap; s++) out[n++] = (*s >= 'A' && *s <= 'Z') ? (char)(*s | 0x20) : *s;
    out[n] = '\0';
    return n;
}

size_t gen_search_text(const gen_world *w, uint32_t p, gen_rng *r, char *out, size_t cap) {
    static const char *const local[] = {
        "écouteurs sans fil",  "handy gebraucht",   "iphone reconditionné", "tablette pas chère",
        "kopfhörer sony",      "スマホ 中古",       "portátil barato",      "smartwatch günstig"};
    static const char *const extra[] = {"used", "refurbished", "cheap", "unlocked", "deal",
                                        "case", "like new",    "128gb", "best price"};
    if (gen_chance(r, 0.02)) return (size_t)snprintf(out, cap, "%s", local[gen_below(r, 8)]);
    const gen_product *pr = &w->products[p];
    const gen_model *m = &gen_models[pr->model];
    char buf[160];
    size_t n = 0;
    bool lower = gen_chance(r, 0.7);
    if (gen_chance(r, 0.3)) n += (size_t)snprintf(buf + n, sizeof buf - n, "%s ", m->brand);
    n += (size_t)snprintf(buf + n, sizeof buf - n, "%s", m->name);
    if (pr->storage_gb && gen_chance(r, 0.25))
        n += (size_t)snprintf(buf + n, sizeof buf - n, " %ugb", pr->storage_gb);
    if (gen_chance(r, 0.3)) n += (size_t)snprintf(buf + n, sizeof buf - n, " %s", extra[gen_below(r, 9)]);
    if (n >= sizeof buf) n = sizeof buf - 1;
    if (lower) n = lower_into(buf, sizeof buf, buf);
    if (n > 4 && gen_chance(r, 0.08)) { /* a typo: swap two neighbours */
        size_t i = 1 + gen_below(r, (uint32_t)(n - 2));
        if ((unsigned char)buf[i] < 0x80 && (unsigned char)buf[i + 1] < 0x80) {
            char t = buf[i];
            buf[i] = buf[i + 1];
            buf[i + 1] = t;
        }
    }
    if (n >= cap) n = cap - 1;
    memcpy(out, buf, n);
    out[n] = '\0';
    return n;
}

/* ---- world -------------------------------------------------------------- */

static void build_fx(gen_world *w) {
    for (int c = 0; c < NCURRENCIES; c++) {
        gen_rng r = gen_rng_at(w->seed, TAG_FX, (uint64_t)c);
        double v = fx_start[c] * (1.0 + 0.01 * gen_normal(&r));
        for (int d = 0; d < GEN_DAYS; d++) {
            if (c == 0) {
                w->fx[c][d] = 1.0;
                continue;
            }
            v *= 1.0 + 0.004 * gen_normal(&r);
            /* the rate the file shows: 6 decimals, at least 0.000001 */
            double shown = floor(v * 1e6 + 0.5) / 1e6;
            w->fx[c][d] = shown < 1e-6 ? 1e-6 : shown;
        }
    }
}

st_status gen_world_build(gen_world *w, const st_gen_options *o, st_error *e) {
    memset(w, 0, sizeof *w);
    w->seed = o->seed;
    w->scale = o->scale;
    w->bad_rate = o->bad_rate;
    w->fmt_as = o->as;
    w->models = gen_models;
    w->nmodels = gen_nmodels;
    for (int i = 0; i < GEN_DATES_N; i++) {
        char buf[ST_FORMAT_MAX];
        st_format_date(GEN_DATES_FROM + i, buf);
        memcpy(w->dates[i], buf, 10);
        w->dates[i][10] = '\0';
    }
    build_curves(w);
    build_fx(w);
    st_status rc = build_products(w, e);
    if (rc == ST_OK) rc = build_customers(w, e);
    if (rc != ST_OK) gen_world_free(w);
    return rc;
}

void gen_world_free(gen_world *w) {
    if (!w) return;
    free(w->products);
    gen_alias_free(&w->product_pop);
    free(w->cust_by_rank);
    free(w->rank_of_cust);
    gen_alias_free(&w->cust_pop);
    w->products = NULL;
    w->cust_by_rank = w->rank_of_cust = NULL;
}
