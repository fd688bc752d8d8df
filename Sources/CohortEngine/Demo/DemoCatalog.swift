/// Fixed reference data of the demo brand, Ridgeline Outfitters: stores, names, streets,
/// product categories, campaigns. Everything here is constant; the seed only decides how it
/// is combined.
enum DemoCatalog {
    static let brand = "Ridgeline Outfitters"

    /// A US time zone by its standard offset, and whether it observes daylight saving time.
    struct Zone: Sendable {
        var standardHours: Int
        var observesDST: Bool
    }

    static let eastern = Zone(standardHours: -5, observesDST: true)
    static let central = Zone(standardHours: -6, observesDST: true)
    static let mountain = Zone(standardHours: -7, observesDST: true)
    static let arizona = Zone(standardHours: -7, observesDST: false)
    static let pacific = Zone(standardHours: -8, observesDST: true)

    struct Place: Sendable {
        var city: String
        var state: String
        var zip: String
    }

    struct Store: Sendable {
        var id: String
        var name: String
        var city: String
        var state: String
        var region: String
        var zone: Zone
        var opened: (Int, Int, Int)
        var squareFeet: Int
        /// Relative traffic.
        var weight: Int
        var areaCodes: [String]
        /// Where its customers live: the store's own city first.
        var places: [Place]
    }

    static let stores: [Store] = [
        Store(id: "ST-001", name: "Ridgeline Boston", city: "Boston", state: "MA", region: "Northeast", zone: eastern,
              opened: (2009, 4, 18), squareFeet: 18_500, weight: 14, areaCodes: ["617", "781", "857"],
              places: [Place(city: "Boston", state: "MA", zip: "02116"), Place(city: "Cambridge", state: "MA", zip: "02139"),
                       Place(city: "Somerville", state: "MA", zip: "02144"), Place(city: "Newton", state: "MA", zip: "02458"),
                       Place(city: "Quincy", state: "MA", zip: "02169")]),
        Store(id: "ST-002", name: "Ridgeline Portland Maine", city: "Portland", state: "ME", region: "Northeast", zone: eastern,
              opened: (2012, 6, 2), squareFeet: 9_800, weight: 5, areaCodes: ["207"],
              places: [Place(city: "Portland", state: "ME", zip: "04101"), Place(city: "South Portland", state: "ME", zip: "04106"),
                       Place(city: "Westbrook", state: "ME", zip: "04092"), Place(city: "Falmouth", state: "ME", zip: "04105")]),
        Store(id: "ST-003", name: "Ridgeline Burlington", city: "Burlington", state: "VT", region: "Northeast", zone: eastern,
              opened: (2006, 9, 9), squareFeet: 11_200, weight: 6, areaCodes: ["802"],
              places: [Place(city: "Burlington", state: "VT", zip: "05401"), Place(city: "South Burlington", state: "VT", zip: "05403"),
                       Place(city: "Winooski", state: "VT", zip: "05404"), Place(city: "Essex Junction", state: "VT", zip: "05452")]),
        Store(id: "ST-004", name: "Ridgeline West Hartford", city: "West Hartford", state: "CT", region: "Northeast", zone: eastern,
              opened: (2015, 3, 21), squareFeet: 12_600, weight: 6, areaCodes: ["860", "959"],
              places: [Place(city: "West Hartford", state: "CT", zip: "06107"), Place(city: "Hartford", state: "CT", zip: "06103"),
                       Place(city: "Glastonbury", state: "CT", zip: "06033"), Place(city: "Manchester", state: "CT", zip: "06040")]),
        Store(id: "ST-005", name: "Ridgeline Providence", city: "Providence", state: "RI", region: "Northeast", zone: eastern,
              opened: (2017, 5, 13), squareFeet: 8_900, weight: 4, areaCodes: ["401"],
              places: [Place(city: "Providence", state: "RI", zip: "02903"), Place(city: "Cranston", state: "RI", zip: "02910"),
                       Place(city: "Pawtucket", state: "RI", zip: "02860"), Place(city: "Warwick", state: "RI", zip: "02886")]),
        Store(id: "ST-006", name: "Ridgeline Brooklyn", city: "Brooklyn", state: "NY", region: "Northeast", zone: eastern,
              opened: (2018, 10, 6), squareFeet: 15_300, weight: 13, areaCodes: ["718", "347", "917"],
              places: [Place(city: "Brooklyn", state: "NY", zip: "11211"), Place(city: "New York", state: "NY", zip: "10011"),
                       Place(city: "Queens", state: "NY", zip: "11101"), Place(city: "Hoboken", state: "NJ", zip: "07030"),
                       Place(city: "Jersey City", state: "NJ", zip: "07302")]),
        Store(id: "ST-007", name: "Ridgeline Philadelphia", city: "Philadelphia", state: "PA", region: "Northeast", zone: eastern,
              opened: (2014, 8, 23), squareFeet: 13_400, weight: 8, areaCodes: ["215", "267", "856"],
              places: [Place(city: "Philadelphia", state: "PA", zip: "19103"), Place(city: "Ardmore", state: "PA", zip: "19003"),
                       Place(city: "Cherry Hill", state: "NJ", zip: "08002"), Place(city: "Media", state: "PA", zip: "19063")]),
        Store(id: "ST-008", name: "Ridgeline Washington DC", city: "Washington", state: "DC", region: "Mid-Atlantic", zone: eastern,
              opened: (2011, 11, 12), squareFeet: 14_100, weight: 10, areaCodes: ["202", "703", "301"],
              places: [Place(city: "Washington", state: "DC", zip: "20001"), Place(city: "Arlington", state: "VA", zip: "22201"),
                       Place(city: "Bethesda", state: "MD", zip: "20814"), Place(city: "Alexandria", state: "VA", zip: "22314")]),
        Store(id: "ST-009", name: "Ridgeline Asheville", city: "Asheville", state: "NC", region: "Southeast", zone: eastern,
              opened: (2010, 5, 1), squareFeet: 10_700, weight: 6, areaCodes: ["828"],
              places: [Place(city: "Asheville", state: "NC", zip: "28801"), Place(city: "Weaverville", state: "NC", zip: "28787"),
                       Place(city: "Hendersonville", state: "NC", zip: "28792"), Place(city: "Black Mountain", state: "NC", zip: "28711")]),
        Store(id: "ST-010", name: "Ridgeline Atlanta", city: "Atlanta", state: "GA", region: "Southeast", zone: eastern,
              opened: (2016, 4, 9), squareFeet: 16_200, weight: 10, areaCodes: ["404", "678", "470"],
              places: [Place(city: "Atlanta", state: "GA", zip: "30309"), Place(city: "Decatur", state: "GA", zip: "30030"),
                       Place(city: "Marietta", state: "GA", zip: "30060"), Place(city: "Roswell", state: "GA", zip: "30075")]),
        Store(id: "ST-011", name: "Ridgeline Chattanooga", city: "Chattanooga", state: "TN", region: "Southeast", zone: eastern,
              opened: (2019, 7, 20), squareFeet: 9_400, weight: 4, areaCodes: ["423"],
              places: [Place(city: "Chattanooga", state: "TN", zip: "37402"), Place(city: "Signal Mountain", state: "TN", zip: "37377"),
                       Place(city: "Hixson", state: "TN", zip: "37343")]),
        Store(id: "ST-012", name: "Ridgeline Chicago Lincoln Park", city: "Chicago", state: "IL", region: "Midwest", zone: central,
              opened: (2008, 10, 4), squareFeet: 17_800, weight: 12, areaCodes: ["312", "773", "847", "708"],
              places: [Place(city: "Chicago", state: "IL", zip: "60614"), Place(city: "Evanston", state: "IL", zip: "60201"),
                       Place(city: "Oak Park", state: "IL", zip: "60302"), Place(city: "Naperville", state: "IL", zip: "60540")]),
        Store(id: "ST-013", name: "Ridgeline Minneapolis", city: "Minneapolis", state: "MN", region: "Midwest", zone: central,
              opened: (2013, 2, 16), squareFeet: 14_900, weight: 9, areaCodes: ["612", "651", "952"],
              places: [Place(city: "Minneapolis", state: "MN", zip: "55401"), Place(city: "Saint Paul", state: "MN", zip: "55102"),
                       Place(city: "Edina", state: "MN", zip: "55424"), Place(city: "Bloomington", state: "MN", zip: "55420")]),
        Store(id: "ST-014", name: "Ridgeline Madison", city: "Madison", state: "WI", region: "Midwest", zone: central,
              opened: (2020, 9, 12), squareFeet: 8_200, weight: 4, areaCodes: ["608"],
              places: [Place(city: "Madison", state: "WI", zip: "53703"), Place(city: "Middleton", state: "WI", zip: "53562"),
                       Place(city: "Fitchburg", state: "WI", zip: "53711")]),
        Store(id: "ST-015", name: "Ridgeline Austin", city: "Austin", state: "TX", region: "South Central", zone: central,
              opened: (2017, 11, 4), squareFeet: 15_600, weight: 10, areaCodes: ["512", "737"],
              places: [Place(city: "Austin", state: "TX", zip: "78704"), Place(city: "Round Rock", state: "TX", zip: "78664"),
                       Place(city: "Cedar Park", state: "TX", zip: "78613"), Place(city: "Pflugerville", state: "TX", zip: "78660")]),
        Store(id: "ST-016", name: "Ridgeline Denver", city: "Denver", state: "CO", region: "Mountain", zone: mountain,
              opened: (2005, 5, 14), squareFeet: 21_000, weight: 14, areaCodes: ["303", "720"],
              places: [Place(city: "Denver", state: "CO", zip: "80202"), Place(city: "Lakewood", state: "CO", zip: "80226"),
                       Place(city: "Aurora", state: "CO", zip: "80012"), Place(city: "Englewood", state: "CO", zip: "80110")]),
        Store(id: "ST-017", name: "Ridgeline Boulder", city: "Boulder", state: "CO", region: "Mountain", zone: mountain,
              opened: (2003, 8, 30), squareFeet: 12_300, weight: 9, areaCodes: ["303", "720"],
              places: [Place(city: "Boulder", state: "CO", zip: "80302"), Place(city: "Louisville", state: "CO", zip: "80027"),
                       Place(city: "Longmont", state: "CO", zip: "80501"), Place(city: "Lafayette", state: "CO", zip: "80026")]),
        Store(id: "ST-018", name: "Ridgeline Salt Lake City", city: "Salt Lake City", state: "UT", region: "Mountain", zone: mountain,
              opened: (2012, 11, 17), squareFeet: 13_700, weight: 8, areaCodes: ["801", "385", "435"],
              places: [Place(city: "Salt Lake City", state: "UT", zip: "84101"), Place(city: "Park City", state: "UT", zip: "84060"),
                       Place(city: "Sandy", state: "UT", zip: "84070"), Place(city: "Provo", state: "UT", zip: "84601")]),
        Store(id: "ST-019", name: "Ridgeline Bozeman", city: "Bozeman", state: "MT", region: "Mountain", zone: mountain,
              opened: (2021, 6, 5), squareFeet: 7_600, weight: 3, areaCodes: ["406"],
              places: [Place(city: "Bozeman", state: "MT", zip: "59715"), Place(city: "Belgrade", state: "MT", zip: "59714"),
                       Place(city: "Big Sky", state: "MT", zip: "59716")]),
        Store(id: "ST-020", name: "Ridgeline Flagstaff", city: "Flagstaff", state: "AZ", region: "Southwest", zone: arizona,
              opened: (2018, 3, 24), squareFeet: 8_400, weight: 3, areaCodes: ["928"],
              places: [Place(city: "Flagstaff", state: "AZ", zip: "86001"), Place(city: "Sedona", state: "AZ", zip: "86336"),
                       Place(city: "Williams", state: "AZ", zip: "86046")]),
        Store(id: "ST-021", name: "Ridgeline Bend", city: "Bend", state: "OR", region: "Pacific Northwest", zone: pacific,
              opened: (2014, 4, 26), squareFeet: 9_900, weight: 5, areaCodes: ["541", "458"],
              places: [Place(city: "Bend", state: "OR", zip: "97701"), Place(city: "Redmond", state: "OR", zip: "97756"),
                       Place(city: "Sisters", state: "OR", zip: "97759")]),
        Store(id: "ST-022", name: "Ridgeline Portland Pearl", city: "Portland", state: "OR", region: "Pacific Northwest", zone: pacific,
              opened: (2007, 10, 13), squareFeet: 16_900, weight: 11, areaCodes: ["503", "971", "360"],
              places: [Place(city: "Portland", state: "OR", zip: "97209"), Place(city: "Beaverton", state: "OR", zip: "97005"),
                       Place(city: "Lake Oswego", state: "OR", zip: "97034"), Place(city: "Vancouver", state: "WA", zip: "98660")]),
        Store(id: "ST-023", name: "Ridgeline Seattle", city: "Seattle", state: "WA", region: "Pacific Northwest", zone: pacific,
              opened: (2004, 3, 6), squareFeet: 22_400, weight: 15, areaCodes: ["206", "425", "253"],
              places: [Place(city: "Seattle", state: "WA", zip: "98101"), Place(city: "Bellevue", state: "WA", zip: "98004"),
                       Place(city: "Redmond", state: "WA", zip: "98052"), Place(city: "Tacoma", state: "WA", zip: "98402")]),
        Store(id: "ST-024", name: "Ridgeline San Francisco", city: "San Francisco", state: "CA", region: "California", zone: pacific,
              opened: (2010, 9, 25), squareFeet: 14_800, weight: 12, areaCodes: ["415", "510", "628"],
              places: [Place(city: "San Francisco", state: "CA", zip: "94110"), Place(city: "Oakland", state: "CA", zip: "94612"),
                       Place(city: "Berkeley", state: "CA", zip: "94704"), Place(city: "Mill Valley", state: "CA", zip: "94941")]),
        Store(id: "ST-025", name: "Ridgeline Truckee", city: "Truckee", state: "CA", region: "California", zone: pacific,
              opened: (2022, 11, 19), squareFeet: 6_800, weight: 3, areaCodes: ["530", "775"],
              places: [Place(city: "Truckee", state: "CA", zip: "96161"), Place(city: "Tahoe City", state: "CA", zip: "96145"),
                       Place(city: "Reno", state: "NV", zip: "89501")]),
    ]

    /// The store whose point-of-sale system still writes local time with an offset.
    static let legacyPOSStore = 17  // ST-018

    static let givenNames: [String] = [
        "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
        "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Christopher", "Karen",
        "Charles", "Lisa", "Daniel", "Nancy", "Matthew", "Betty", "Anthony", "Sandra", "Mark", "Margaret",
        "Donald", "Ashley", "Steven", "Kimberly", "Andrew", "Emily", "Paul", "Donna", "Joshua", "Michelle",
        "Kenneth", "Carol", "Kevin", "Amanda", "Brian", "Melissa", "George", "Deborah", "Timothy", "Stephanie",
        "Ronald", "Rebecca", "Jason", "Sharon", "Edward", "Laura", "Jeffrey", "Cynthia", "Ryan", "Dorothy",
        "Jacob", "Amy", "Gary", "Kathleen", "Nicholas", "Angela", "Eric", "Shirley", "Jonathan", "Emma",
        "Stephen", "Brenda", "Larry", "Pamela", "Justin", "Nicole", "Scott", "Anna", "Brandon", "Samantha",
        "Benjamin", "Katherine", "Samuel", "Christine", "Gregory", "Debra", "Alexander", "Rachel", "Patrick", "Carolyn",
        "Frank", "Janet", "Raymond", "Maria", "Jack", "Olivia", "Dennis", "Heather", "Jerry", "Helen",
        "Tyler", "Catherine", "Aaron", "Diane", "Jose", "Julie", "Adam", "Victoria", "Nathan", "Joyce",
        "Henry", "Lauren", "Zachary", "Kelly", "Douglas", "Christina", "Peter", "Ruth", "Kyle", "Joan",
        "Noah", "Virginia", "Ethan", "Judith", "Jeremy", "Evelyn", "Christian", "Hannah", "Walter", "Andrea",
        "Keith", "Megan", "Austin", "Cheryl", "Roger", "Jacqueline", "Terry", "Madison", "Sean", "Teresa",
        "Gerald", "Abigail", "Carl", "Sophia", "Dylan", "Martha", "Harold", "Sara", "Jordan", "Gloria",
        "Jesse", "Janice", "Bryan", "Kathryn", "Lawrence", "Ann", "Arthur", "Isabella", "Gabriel", "Judy",
        "Bruce", "Charlotte", "Logan", "Julia", "Billy", "Grace", "Joe", "Amber", "Alan", "Alice",
        "Juan", "Jean", "Elijah", "Denise", "Willie", "Frances", "Albert", "Danielle", "Wayne", "Marilyn",
        "Randy", "Natalie", "Mason", "Beverly", "Vincent", "Diana", "Liam", "Brittany", "Roy", "Theresa",
        "Bobby", "Kayla", "Caleb", "Alexis", "Bradley", "Doris", "Russell", "Lori", "Lucas", "Tiffany",
        "Aisha", "Wei", "Priya", "Arjun", "Mei", "Hiroshi", "Yuki", "Sofia", "Mateo", "Camila",
        "Diego", "Valentina", "Santiago", "Lucía", "Omar", "Fatima", "Ahmed", "Leila", "Kwame", "Amara",
        "Chidi", "Ngozi", "Dmitri", "Anya", "Sven", "Ingrid", "Lars", "Freya", "Mohammed", "Zainab",
        "Ravi", "Ananya", "Jin", "Hana", "Minh", "Linh", "Tomás", "Zoë", "José", "Renée",
        "Chloé", "Björn", "Siobhán", "Niamh", "Eoin", "Aoife", "Kai", "Leilani", "Mariana", "Rafael",
        "Ximena", "Quinn", "Rowan", "Harper", "Avery", "Riley", "Skyler", "Sage", "River", "Juniper",
    ]

    static let surnames: [String] = [
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
        "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
        "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
        "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
        "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts",
        "Gomez", "Phillips", "Evans", "Turner", "Diaz", "Parker", "Cruz", "Edwards", "Collins", "Reyes",
        "Stewart", "Morris", "Morales", "Murphy", "Cook", "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper",
        "Peterson", "Bailey", "Reed", "Kelly", "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson",
        "Watson", "Brooks", "Chavez", "Wood", "James", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes",
        "Price", "Alvarez", "Castillo", "Sanders", "Patel", "Myers", "Long", "Ross", "Foster", "Jimenez",
        "Powell", "Jenkins", "Perry", "Russell", "Sullivan", "Bell", "Coleman", "Butler", "Henderson", "Barnes",
        "Fisher", "Vasquez", "Simmons", "Romero", "Jordan", "Patterson", "Alexander", "Hamilton", "Graham", "Reynolds",
        "Griffin", "Wallace", "Moreno", "West", "Cole", "Hayes", "Bryant", "Herrera", "Gibson", "Ellis",
        "Tran", "Medina", "Aguilar", "Stevens", "Murray", "Ford", "Castro", "Marshall", "Owens", "Harrison",
        "Fernandez", "McDonald", "Woods", "Washington", "Kennedy", "Wells", "Vargas", "Henry", "Chen", "Freeman",
        "Webb", "Tucker", "Guzman", "Burns", "Crawford", "Olson", "Simpson", "Porter", "Hunter", "Gordon",
        "Mendez", "Silva", "Shaw", "Snyder", "Mason", "Dixon", "Munoz", "Hunt", "Hicks", "Holmes",
        "Palmer", "Wagner", "Black", "Robertson", "Boyd", "Rose", "Stone", "Salazar", "Fox", "Warren",
        "Mills", "Meyer", "Rice", "Schmidt", "Garza", "Daniels", "Ferguson", "Nichols", "Stephens", "Soto",
        "Weaver", "Ryan", "Gardner", "Payne", "Grant", "Dunn", "Kelley", "Spencer", "Hawkins", "Arnold",
        "Pierce", "Hansen", "Peters", "Santos", "Hart", "Bradley", "Knight", "Elliott", "Cunningham", "Duncan",
        "Armstrong", "Hudson", "Carroll", "Lane", "Riley", "Andrews", "Alvarado", "Ray", "Delgado", "Berry",
        "Perkins", "Hoffman", "Johnston", "Matthews", "Peña", "O'Brien", "O'Connor", "Müller", "Novak", "Kowalski",
        "Yamamoto", "Tanaka", "Singh", "Shah", "Okafor", "Mensah", "Haddad", "Nakamura", "Larsen", "Lindqvist",
        "Ivanova", "Rossi", "Bianchi", "Dubois", "Schneider", "Fischer", "Park", "Choi", "Wong", "Huang",
        "Zhang", "Liu", "Le", "Pham", "Abernathy-Cole", "García-López", "MacLeod", "St. James", "Van Dyke", "DeLuca",
    ]

    static let streets: [String] = [
        "Main", "Oak", "Pine", "Maple", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park",
        "Walnut", "Spruce", "Ridge", "River", "Summit", "Highland", "Forest", "Meadow", "Birch", "Willow",
        "Aspen", "Juniper", "Sunset", "Mill", "Church", "Spring", "Chestnut", "Laurel", "Canyon", "Granite",
        "Harbor", "Valley", "Prospect", "Franklin", "Lincoln", "Jefferson", "Madison", "Union", "Center", "Orchard",
        "Hawthorne", "Alder", "Sycamore", "Bayview", "Cliffside", "Trailhead", "Timber", "Falcon", "Quarry", "Glacier",
    ]
    static let streetSuffixes: [String] = ["St", "Ave", "Rd", "Dr", "Ln", "Ct", "Way", "Pl", "Blvd", "Ter", "Trl", "Loop"]
    static let unitWords: [String] = ["Apt", "Unit", "Suite", "#"]

    static let emailDomains: [String] = ["example.com", "example.net", "example.org", "mail.example.com", "inbox.example.net"]

    struct Category: Sendable {
        var name: String
        /// Relative popularity.
        var weight: Int
        /// Price range in whole dollars.
        var low: Int
        var high: Int
        var queries: [String]
    }

    static let categories: [Category] = [
        Category(name: "footwear", weight: 18, low: 45, high: 229,
                 queries: ["trail runners", "hiking boots women", "waterproof boots", "approach shoes", "camp sandals", "wide hiking shoes"]),
        Category(name: "outerwear", weight: 16, low: 69, high: 449,
                 queries: ["rain jacket", "down jacket", "insulated parka", "softshell", "packable puffer", "wind shell"]),
        Category(name: "apparel", weight: 22, low: 18, high: 119,
                 queries: ["merino base layer", "hiking pants", "fleece", "sun hoodie", "flannel shirt", "running shorts"]),
        Category(name: "camping", weight: 12, low: 25, high: 649,
                 queries: ["2 person tent", "sleeping bag 20 degree", "camp stove", "sleeping pad", "headlamp", "water filter"]),
        Category(name: "packs", weight: 10, low: 35, high: 329,
                 queries: ["daypack", "backpacking pack 55l", "hydration pack", "duffel", "commuter backpack"]),
        Category(name: "climbing", weight: 6, low: 15, high: 289,
                 queries: ["climbing shoes", "harness", "chalk bag", "belay device", "crash pad"]),
        Category(name: "accessories", weight: 11, low: 8, high: 79,
                 queries: ["wool socks", "beanie", "trekking poles", "gloves", "sunglasses", "water bottle"]),
        Category(name: "kids", weight: 5, low: 15, high: 139,
                 queries: ["kids rain jacket", "kids hiking boots", "kids fleece", "youth sleeping bag"]),
    ]

    /// An email campaign template; the generator schedules them through the window.
    struct Campaign: Sendable {
        var slug: String
        var subject: String
        /// Preferred category of the campaign, -1 for none.
        var category: Int
    }

    static let campaigns: [Campaign] = [
        Campaign(slug: "new-arrivals", subject: "Just landed: the fall trail collection", category: 2),
        Campaign(slug: "rain-ready", subject: "Rain jackets for every forecast", category: 1),
        Campaign(slug: "weekend-edit", subject: "The weekend edit: 12 picks for the trail", category: -1),
        Campaign(slug: "double-points", subject: "Members only: double points this weekend", category: -1),
        Campaign(slug: "back-to-school", subject: "Back to campus with packs that last", category: 4),
        Campaign(slug: "camp-essentials", subject: "Camp essentials under $50", category: 3),
        Campaign(slug: "labor-day", subject: "Labor Day savings start now", category: -1),
        Campaign(slug: "find-your-fit", subject: "Find your fit: trail runners vs. hikers", category: 0),
        Campaign(slug: "layering-guide", subject: "The layering guide for cool mornings", category: 2),
        Campaign(slug: "repair-clinic", subject: "Free gear repair clinic at your store", category: 6),
        Campaign(slug: "crag-season", subject: "Crag season is here", category: 5),
        Campaign(slug: "kids-outside", subject: "Get the kids outside this weekend", category: 7),
    ]

    static let flashSaleSlug = "flash-sale"
    static let flashSaleSubject = "48 hours only: 30% off sitewide"
    static let welcomeSlug = "welcome-series"
    static let welcomeSubject = "Welcome to Ridgeline, here's 10% off your first order"

    static let tiers = ["bronze", "silver", "gold", "platinum"]
    /// Yearly points needed for each tier.
    static let tierPoints = [0, 1000, 2500, 6000]
    /// Points per dollar, times four.
    static let tierMultiplier4 = [4, 5, 6, 8]

    static let rewards = [(500, "$5 reward"), (1000, "$10 reward"), (2000, "$25 reward")]
}
