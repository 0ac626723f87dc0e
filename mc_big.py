import time
if __name__ == "__main__":
    from web.settings import current_settings
    current_settings()
    from geo.city import get_city
    from bench.common import open_store
    from planner.incidents import incidents_frame
    from planner.standby import city_max_cover
    city = get_city("scale-generated")
    reports = incidents_frame(open_store(), "scale-generated", category="stray_dog")
    print(len(reports))
    def hwm():
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM"): return line
    print(hwm())
    t = time.perf_counter()
    r = city_max_cover(city, "foot", 20, reports["lon"], reports["lat"], target_s=city.profile.target_s("stray_dog"), time_limit_s=280, progress=print)
    print({k: v for k, v in r.items() if k != "points"}, time.perf_counter() - t)
    print(hwm())
